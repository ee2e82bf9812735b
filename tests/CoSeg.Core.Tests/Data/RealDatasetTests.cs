using CoSeg.Data;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Data;

/// <summary>Acceptance checks on the shared real data (skipped when it is absent).</summary>
public class RealDatasetTests
{
    [SkippableFact]
    public void Lego_Train100_800x800_FocalFromCameraAngle()
    {
        string lego = SharedData.Require("nerf_synthetic/lego");
        using var ds = DatasetLoader.Load(lego);
        Assert.Equal("nerf-synthetic", ds.Format);
        Assert.Equal(100, ds.Train.Count);
        Assert.Equal(200, ds.Test.Count);
        double angle = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(lego, "transforms_train.json")))
            .RootElement.GetProperty("camera_angle_x").GetDouble();
        double f = 400 / Math.Tan(angle / 2);
        Assert.Equal(1111.11, f, 0.01);
        foreach (var v in ds.Train)
        {
            Assert.Equal(800, v.Camera.Width); Assert.Equal(800, v.Camera.Height);
            Assert.Equal(f, v.Camera.Fx, 9); Assert.Equal(f, v.Camera.Fy, 9);
            Assert.Equal(400, v.Camera.Cx); Assert.Equal(400, v.Camera.Cy);
            // Every camera looks at the object near the origin: it projects in front of and inside the image.
            var (u, vv, d) = v.Camera.Project(0, 0, 0);
            Assert.True(d > 0 && u > 0 && u < 800 && vv > 0 && vv < 800, $"{v.Name}: origin projects to ({u:F1}, {vv:F1}, {d:F2})");
        }
        using var img = ds.Train[0].LoadImage();
        Assert.Equal(new long[] { 800, 800, 3 }, img.Rgb.shape);
        Assert.NotNull(img.Alpha);
        // Where alpha is 0 the composited colour is the white background.
        using var bgMask = img.Alpha!.eq(0);
        using var bgPixels = img.Rgb[bgMask];
        Assert.True(bgPixels.numel() > 0);
        Assert.Equal(1f, bgPixels.min().item<float>());
    }

    [SkippableFact]
    public void Fern_Images8_20Cameras_504x378_FocalScaledByWidth()
    {
        string fern = SharedData.Require("nerf_llff_data/fern");
        using var ds = DatasetLoader.Load(fern, new DatasetLoadOptions { Downscale = 8 });
        Assert.Equal("llff", ds.Format);
        Assert.Equal(20, ds.AllViews.Count);
        Assert.Equal(3, ds.Test.Count); // every 8th: 0, 8, 16
        var (_, data) = NpyFile.ReadMatrix(Path.Combine(fern, "poses_bounds.npy"), 17);
        double fullW = data[9], focal = data[14];
        Assert.Equal(4032, fullW);
        foreach (var v in ds.AllViews)
        {
            Assert.Equal(504, v.Camera.Width); Assert.Equal(378, v.Camera.Height);
            Assert.Equal(focal * 504 / fullW, v.Camera.Fx, 9);
            Assert.Equal(focal / 8, v.Camera.Fx, 9);
            Assert.StartsWith(Path.Combine(fern, "images_8"), v.ImagePath);
        }
        Assert.Equal(10091, ds.PointCount);
        using var img = ds.Train[0].LoadImage();
        Assert.Equal(new long[] { 378, 504, 3 }, img.Rgb.shape);
        Assert.Null(img.Alpha);
        Assert.InRange(img.Rgb.mean().item<float>(), 0.05f, 0.95f);
    }

    [SkippableFact]
    public void Fern_Downscale16_UsesImages16()
    {
        string fern = SharedData.Require("nerf_llff_data/fern");
        using var ds = DatasetLoader.Load(fern, new DatasetLoadOptions { Downscale = 16 });
        var c = ds.Train[0].Camera;
        Assert.Equal((252, 189), (c.Width, c.Height));
        Assert.StartsWith(Path.Combine(fern, "images_16"), ds.Train[0].ImagePath);
    }
}
