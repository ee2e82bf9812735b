using CoSeg.Data;
using CoSeg.Evaluation;
using CoSeg.Geometry;
using CoSeg.Reconstruction;
using CoSeg.Rendering;
using CoSeg.Tests.Infrastructure;
using CoSeg.Tests.Reconstruction;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Data;

/// <summary>
/// Undistortion against closed forms: a pattern defined on ideal normalised coordinates is distorted exactly (per
/// pixel, through the lens inverse); undistorting must give the pattern back at the pinhole camera's pixels.
/// </summary>
public class UndistortionTests
{
    private const int W = 64, H = 48;
    private const double Fx = 60, Fy = 58, Cx = 31.5, Cy = 24.5;
    private static readonly Camera Distorted = new(W, H, Fx, Fy, Cx, Cy, new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 4 }, "d");

    public static TheoryData<string> Lenses => new() { "barrel", "pincushion", "fisheye" };

    private static LensDistortion Lens(string name) => name switch
    {
        "barrel" => new RadialTangentialDistortion(-0.25, 0.06, 0.003, -0.002),
        "pincushion" => new RadialTangentialDistortion(0.15, 0.02, -0.002, 0.001, 0.01),
        _ => new FisheyeDistortion(0.04, -0.01, 0.001, 0),
    };

    [Theory]
    [MemberData(nameof(Lenses))]
    public void Undistorted_MatchesClosedFormOnValidPixels(string lens)
    {
        var d = Lens(lens);
        var distorted = DistortionFixtures.DistortPattern(W, H, 3, Fx, Fy, Cx, Cy, d, DistortionFixtures.Smooth);
        var u = new ImageUndistorter(Distorted, d);
        using var img = tensor(distorted, new long[] { H, W, 3 });
        using var outImg = u.Remap(img);
        using var mask = u.ValidMask();
        var o = outImg.data<float>().ToArray();
        var m = mask.data<float>().ToArray();
        var t = u.Target;
        double maxErr = 0; int valid = 0;
        for (int row = 0; row < H; row++)
            for (int col = 0; col < W; col++)
            {
                if (m[row * W + col] == 0) continue;
                valid++;
                double x = (col + 0.5 - t.Cx) / t.Fx, y = (row + 0.5 - t.Cy) / t.Fy;
                for (int c = 0; c < 3; c++) maxErr = Math.Max(maxErr, Math.Abs(o[(row * W + col) * 3 + c] - DistortionFixtures.Smooth(x, y, c)));
            }
        Assert.True(maxErr < 6e-3, $"max error {maxErr}");
        Assert.True(valid > 0.6 * W * H, $"{valid} valid pixels");
        Assert.Equal(valid / (double)(W * H), u.ValidFraction, 9);
        Assert.Equal(Distorted.Rotation.ToArray(), t.Rotation.ToArray());
    }

    [Fact]
    public void Barrel_KeepsTheWholeSourceAndMasksTheCorners()
    {
        var u = new ImageUndistorter(Distorted, Lens("barrel"));
        Assert.True(u.Target.Fx < Fx && u.Target.Fy < Fy, $"{u.Target}"); // wider pinhole view holds the whole distorted frame
        using var mask = u.ValidMask();
        // Undistorting a barrel image pushes its corners out furthest: they set the pinhole frame, and the frame's
        // edge midpoints see past the source's edges.
        Assert.Equal(1f, mask[H / 2, W / 2].item<float>());
        Assert.Equal(0f, mask[H / 2, 0].item<float>());
        Assert.Equal(0f, mask[0, W / 2].item<float>());
        var pin = new ImageUndistorter(Distorted, Lens("pincushion"));
        using var pinMask = pin.ValidMask();
        Assert.True(pin.Target.Fx > Fx, $"{pin.Target}");
        Assert.Equal(0f, pinMask[0, 0].item<float>()); // pincushion: the corners fall outside
        Assert.Equal(1f, pinMask[H / 2, W / 2].item<float>());
    }

    private static void WriteDistortedTransforms(string root, LensDistortion lens, string extraRoot, string extraFrame, int frames, bool writeAll = true)
    {
        var img = DistortionFixtures.DistortPattern(W, H, 3, Fx, Fy, Cx, Cy, lens, DistortionFixtures.Smooth);
        var list = new List<string>();
        for (int i = 0; i < frames; i++)
        {
            if (writeAll || i % 2 == 0) DistortionFixtures.WritePng(Path.Combine(root, "images", $"f{i}.png"), img, W, H, 3);
            list.Add($"{{\"file_path\": \"images/f{i}.png\", \"transform_matrix\": {DatasetFixtures.Matrix(0, 0, 4 + i)}{extraFrame}}}");
        }
        File.WriteAllText(Path.Combine(root, "transforms.json"),
            $"{{\"fl_x\": {Fx}, \"fl_y\": {Fy}, \"cx\": {Cx}, \"cy\": {Cy}, \"w\": {W}, \"h\": {H}{extraRoot}, \"frames\": [{string.Join(",", list)}]}}");
    }

    [Fact]
    public void InstantNgp_OpenCvDistortion_IsUndistortedAtLoad()
    {
        using var tmp = new TempDir();
        var lens = new RadialTangentialDistortion(-0.25, 0.06, 0.003, -0.002);
        WriteDistortedTransforms(tmp.Path, lens, ", \"k1\": -0.25, \"k2\": 0.06, \"p1\": 0.003, \"p2\": -0.002", "", 2);
        using var ds = DatasetLoader.Load(tmp.Path);
        var v = ds.Train[0];
        Assert.Equal("OPENCV", v.CameraModel);
        Assert.True(v.Undistorted);
        var expected = new ImageUndistorter(Distorted, lens).Target;
        Assert.Equal(expected.Fx, v.Camera.Fx, 9); Assert.Equal(expected.Cy, v.Camera.Cy, 9);
        using var img = v.LoadImage();
        using var mask = v.LoadValidMask()!;
        var o = img.Rgb.data<float>().ToArray(); var m = mask.data<float>().ToArray();
        double maxErr = 0;
        for (int row = 0; row < H; row++)
            for (int col = 0; col < W; col++)
            {
                if (m[row * W + col] == 0) { Assert.Equal(1f, o[(row * W + col) * 3]); continue; } // background fill
                double x = (col + 0.5 - v.Camera.Cx) / v.Camera.Fx, y = (row + 0.5 - v.Camera.Cy) / v.Camera.Fy;
                for (int c = 0; c < 3; c++) maxErr = Math.Max(maxErr, Math.Abs(o[(row * W + col) * 3 + c] - DistortionFixtures.Smooth(x, y, c)));
            }
        Assert.True(maxErr < 8e-3, $"max error {maxErr} (8-bit PNG + bilinear)");
    }

    [Fact]
    public void Nerfstudio_FisheyeMaskDepthAndAppliedTransform()
    {
        using var tmp = new TempDir();
        var lens = new FisheyeDistortion(0.04, -0.01, 0.001, 0);
        DatasetFixtures.WritePng(tmp.File("masks/m.png"), W, H, (x, y) => x < W / 2 ? ((byte)0, (byte)0, (byte)0, (byte)255) : ((byte)255, (byte)255, (byte)255, (byte)255), opaque: true);
        WriteDistortedTransforms(tmp.Path, lens,
            ", \"camera_model\": \"OPENCV_FISHEYE\", \"k1\": 0.04, \"k2\": -0.01, \"k3\": 0.001, \"applied_transform\": [[1,0,0,0],[0,1,0,0],[0,0,1,0]]",
            ", \"mask_path\": \"masks/m.png\", \"depth_file_path\": \"depth/x.png\"", 2);
        using var ds = DatasetLoader.Load(tmp.Path);
        var v = ds.Train[1];
        Assert.Equal("OPENCV_FISHEYE", v.CameraModel);
        Assert.IsType<FisheyeDistortion>(v.Distortion);
        Assert.Contains(ds.Notes, n => n.Contains("depth_file_path", StringComparison.Ordinal) && n.Contains("2 frame", StringComparison.Ordinal));
        Assert.Contains(ds.Notes, n => n.Contains("applied_transform", StringComparison.Ordinal));
        using var mask = v.LoadValidMask()!;
        Assert.Equal(0f, mask[H / 2, 2].item<float>());       // the mask file excludes the left half
        Assert.Equal(1f, mask[H / 2, W - 12].item<float>());
        Assert.Equal(5, ds.Train[1].Camera.Project(0, 0, 0).Depth, 9);
    }

    [Fact]
    public void PerFrameIntrinsicsAndDistortion_Win()
    {
        using var tmp = new TempDir();
        var img = DistortionFixtures.DistortPattern(W, H, 3, Fx, Fy, Cx, Cy, new RadialTangentialDistortion(), DistortionFixtures.Smooth);
        DistortionFixtures.WritePng(tmp.File("a.png"), img, W, H, 3);
        DistortionFixtures.WritePng(tmp.File("b.png"), img, W, H, 3);
        File.WriteAllText(tmp.File("transforms.json"), $"{{\"fl_x\": {Fx}, \"w\": {W}, \"h\": {H}, \"frames\": ["
            + $"{{\"file_path\": \"a.png\", \"transform_matrix\": {DatasetFixtures.Matrix(0, 0, 4)}}},"
            + $"{{\"file_path\": \"b.png\", \"fl_x\": 50, \"k1\": 0.1, \"transform_matrix\": {DatasetFixtures.Matrix(0, 0, 4)}}}]}}");
        using var ds = DatasetLoader.Load(tmp.Path);
        Assert.False(ds.Train[0].Undistorted);
        Assert.Null(ds.Train[0].LoadValidMask());
        Assert.Equal(Fx, ds.Train[0].Camera.Fx, 9);
        Assert.True(ds.Train[1].Undistorted);
        Assert.Equal(0.1, ((RadialTangentialDistortion)ds.Train[1].Distortion!).K1);
    }

    [Fact]
    public void MissingImages_FailByDefault_AndAreSkippedOnRequest()
    {
        using var tmp = new TempDir();
        WriteDistortedTransforms(tmp.Path, new RadialTangentialDistortion(), "", "", 9, writeAll: false); // frames 1,3,5,7 missing
        var e = Assert.Throws<FileNotFoundException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("transforms.json: 4 of 9 frames have no image file: images/f1.png, images/f3.png, images/f5.png, images/f7.png", e.Message);
        Assert.Contains("SkipMissingImages", e.Message);
        using var ds = DatasetLoader.Load(tmp.Path, new DatasetLoadOptions { SkipMissingImages = true });
        Assert.Equal(5, ds.Train.Count);
        Assert.Equal(4, ds.SkippedImages.Count);
        Assert.EndsWith("f1.png", ds.SkippedImages[0]);
        Assert.Contains("4 frames skipped", ds.ToString());
    }

    [Fact]
    public void UnsupportedCameraModel_IsRefused()
    {
        using var tmp = new TempDir();
        WriteDistortedTransforms(tmp.Path, new RadialTangentialDistortion(), ", \"camera_model\": \"EQUIRECTANGULAR\"", "", 1);
        var e = Assert.Throws<NotSupportedException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("transforms.json", e.Message);
        Assert.Contains("EQUIRECTANGULAR", e.Message);
    }

    public static TheoryData<string> ColmapModels => new() { "OPENCV", "OPENCV_FISHEYE" };

    /// <summary>
    /// A COLMAP model with distorted cameras: renders of a known scene are distorted with the model's coefficients;
    /// loading undistorts them, and a short reconstruction from the sparse points improves the (masked) PSNR.
    /// </summary>
    [Theory]
    [MemberData(nameof(ColmapModels))]
    public async Task Colmap_DistortedModel_LoadsAndReconstructs(string model)
    {
        using var tmp = new TempDir();
        const int size = 32;
        using var truth = TinyScenes.Truth();
        var cams = TinyScenes.Cameras(4, size);
        LensDistortion lens = model == "OPENCV" ? new RadialTangentialDistortion(-0.2, 0.05, 0.002, -0.001) : new FisheyeDistortion(0.03, -0.01, 0, 0);
        string p = model == "OPENCV" ? "-0.2 0.05 0.002 -0.001" : "0.03 -0.01 0 0";
        var c0 = cams[0];
        string sparse = Path.Combine(tmp.Path, "sparse", "0");
        Directory.CreateDirectory(sparse);
        File.WriteAllText(Path.Combine(sparse, "cameras.txt"), FormattableString.Invariant($"1 {model} {size} {size} {c0.Fx:R} {c0.Fy:R} {c0.Cx:R} {c0.Cy:R} {p}\n"));
        var lines = new List<string>();
        for (int i = 0; i < cams.Count; i++)
        {
            var c = cams[i];
            using (var r = Rasterizer.Render(truth, c, new RenderOptions { Backend = "reference" }))
            {
                var ideal = r.Image.detach().contiguous().data<float>().ToArray();
                var d = DistortionFixtures.DistortImage(ideal, size, size, 3, c.Fx, c.Fy, c.Cx, c.Cy, lens, new float[] { 0, 0, 0 });
                DistortionFixtures.WritePng(Path.Combine(tmp.Path, "images", $"v{i}.png"), d, size, size, 3);
            }
            var q = Quaternions.FromRotationMatrix(c.Rotation);
            lines.Add(FormattableString.Invariant($"{i + 1} {q.W:R} {q.X:R} {q.Y:R} {q.Z:R} {c.Translation[0]:R} {c.Translation[1]:R} {c.Translation[2]:R} 1 v{i}.png\n\n"));
        }
        File.WriteAllText(Path.Combine(sparse, "images.txt"), string.Concat(lines));
        var m = truth.Means.data<float>().ToArray();
        File.WriteAllText(Path.Combine(sparse, "points3D.txt"), FormattableString.Invariant(
            $"1 {m[0] + 0.05} {m[1] + 0.05} {m[2] + 0.05} 128 128 128 0.5\n2 {m[3] + 0.05} {m[4] + 0.05} {m[5] + 0.05} 128 128 128 0.5\n"));

        using var ds = DatasetLoader.Load(tmp.Path, new DatasetLoadOptions { TestHoldoutEvery = 0, Background = new[] { 0f, 0f, 0f } });
        Assert.Equal(4, ds.Train.Count);
        Assert.All(ds.Train, v => { Assert.Equal(model, v.CameraModel); Assert.True(v.Undistorted); Assert.True(v.HasValidMask); });
        Assert.NotEqual(c0.Fx, ds.Train[0].Camera.Fx);
        var opts = TinyScenes.Options(150);
        using var scene = await Reconstructor.ReconstructAsync(ds, opts, null, CancellationToken.None);
        using var init = Reconstructor.Initialize(Reconstructor.ToTrainingData(ds), opts);
        var before = ImageMetricsEvaluator.Evaluate(init, ds, "train", "reference");
        var after = ImageMetricsEvaluator.Evaluate(scene, ds, "train", "reference");
        Assert.True(after.Psnr > before.Psnr + 5, $"PSNR {before.Psnr:F2} → {after.Psnr:F2}");
        Assert.True(after.Psnr > 25, $"PSNR {after.Psnr:F2}");
    }
}
