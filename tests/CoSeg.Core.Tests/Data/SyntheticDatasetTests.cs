using CoSeg.Data;
using CoSeg.Geometry;
using CoSeg.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Data;

/// <summary>Every reader on tiny hand-made datasets, so the readers are tested without the shared data.</summary>
public class SyntheticDatasetTests
{
    private static void WriteNerfSynthetic(string root, bool withTest)
    {
        string Frames(params (string File, double Z)[] frames)
            => "{\"camera_angle_x\": 0.8, \"frames\": [" + string.Join(",", frames.Select(f =>
                   $"{{\"file_path\": \"./{f.File}\", \"rotation\": 0.1, \"transform_matrix\": {DatasetFixtures.Matrix(0, 0, f.Z)}}}")) + "]}";
        File.WriteAllText(Path.Combine(root, "transforms_train.json"), Frames(("train/r_0", 4), ("train/r_1", 5)));
        File.WriteAllText(Path.Combine(root, "transforms_val.json"), Frames(("val/r_0", 6)));
        if (withTest) File.WriteAllText(Path.Combine(root, "transforms_test.json"), Frames(("test/r_0", 7)));
        foreach (var f in new[] { "train/r_0", "train/r_1", "val/r_0", "test/r_0" })
            DatasetFixtures.WritePng(Path.Combine(root, f + ".png"), 6, 4, DatasetFixtures.Pattern);
    }

    [Fact]
    public void NerfSynthetic_TrainAndValOnly_CompositesOnWhite()
    {
        using var tmp = new TempDir();
        WriteNerfSynthetic(tmp.Path, withTest: false);
        using var ds = DatasetLoader.Load(tmp.Path);
        Assert.Equal("nerf-synthetic", ds.Format);
        Assert.Equal(2, ds.Train.Count); Assert.Single(ds.Val); Assert.Empty(ds.Test);
        var cam = ds.Train[1].Camera;
        double f = 3.0 / Math.Tan(0.4);
        Assert.Equal(6, cam.Width); Assert.Equal(4, cam.Height);
        Assert.Equal(f, cam.Fx, 9); Assert.Equal(f, cam.Fy, 9); Assert.Equal(3, cam.Cx); Assert.Equal(2, cam.Cy);
        Assert.Equal(5, cam.Project(0, 0, 0).Depth, 9); // OpenGL camera at z=5 looking down −Z
        Assert.Equal("r_1", cam.Name);

        using var img = ds.Train[0].LoadImage();
        Assert.Equal(new long[] { 4, 6, 3 }, img.Rgb.shape);
        Assert.NotNull(img.Alpha);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 6; x++)
            {
                var (r, g, b, a) = DatasetFixtures.Pattern(x, y);
                float al = a / 255f;
                Assert.Equal(al, img.Alpha![y, x].item<float>(), 6);
                Assert.Equal(r / 255f * al + (1 - al), img.Rgb[y, x, 0].item<float>(), 5);
                Assert.Equal(b / 255f * al + (1 - al), img.Rgb[y, x, 2].item<float>(), 5);
            }
    }

    [Fact]
    public void NerfSynthetic_BlackBackground_AndDownscale()
    {
        using var tmp = new TempDir();
        WriteNerfSynthetic(tmp.Path, withTest: true);
        using var ds = DatasetLoader.Load(tmp.Path, new DatasetLoadOptions { Background = new[] { 0f, 0f, 0f }, Downscale = 2 });
        Assert.Single(ds.Test);
        var cam = ds.Test[0].Camera;
        Assert.Equal(3, cam.Width); Assert.Equal(2, cam.Height);
        Assert.Equal(1.5 / Math.Tan(0.4), cam.Fx, 9);
        using var img = ds.Test[0].LoadImage();
        Assert.Equal(new long[] { 2, 3, 3 }, img.Rgb.shape);
        // Area average of the 2×2 block at (x 2..3, y 0..1) of premultiplied colour, composited on black.
        double expect = 0, alpha = 0;
        for (int y = 0; y < 2; y++) for (int x = 2; x < 4; x++)
        {
            var (_, g, _, a) = DatasetFixtures.Pattern(x, y);
            expect += g / 255.0 * (a / 255.0) / 4; alpha += a / 255.0 / 4;
        }
        Assert.Equal(expect, img.Rgb[0, 1, 1].item<float>(), 5);
        Assert.Equal(alpha, img.Alpha![0, 1].item<float>(), 5);
    }

    [Fact]
    public void InstantNgp_GlobalAndPerFrameIntrinsics()
    {
        using var tmp = new TempDir();
        string json = "{\"fl_x\": 5.5, \"fl_y\": 6.5, \"cx\": 2.75, \"cy\": 1.875, \"w\": 6, \"h\": 4, \"k1\": 0, \"p1\": 0, \"aabb_scale\": 4, \"frames\": ["
            + $"{{\"file_path\": \"images/a.png\", \"transform_matrix\": {DatasetFixtures.Matrix(1, 0, 3)}}},"
            + $"{{\"file_path\": \"images/b.png\", \"fl_x\": 7.0, \"transform_matrix\": {DatasetFixtures.Matrix(0, 0, 2)}}}]}}";
        File.WriteAllText(tmp.File("transforms.json"), json);
        DatasetFixtures.WritePng(tmp.File("images/a.png"), 6, 4, DatasetFixtures.Pattern, opaque: true);
        DatasetFixtures.WritePng(tmp.File("images/b.png"), 6, 4, DatasetFixtures.Pattern, opaque: true);
        using var ds = DatasetLoader.Load(tmp.Path);
        Assert.Equal("instant-ngp", ds.Format);
        Assert.Equal(2, ds.Train.Count);
        var a = ds.Train[0].Camera; var b = ds.Train[1].Camera;
        Assert.Equal((5.5, 6.5, 2.75, 1.875), (a.Fx, a.Fy, a.Cx, a.Cy));
        Assert.Equal(7.0, b.Fx);
        // World point (1, 0, 0) is straight ahead of camera a at (1, 0, 3): projects to the principal point.
        var (u, v, d) = a.Project(1, 0, 0);
        Assert.Equal(2.75, u, 9); Assert.Equal(1.875, v, 9); Assert.Equal(3, d, 9);
        using var img = ds.Train[0].LoadImage();
        Assert.Null(img.Alpha);
        var (r, _, _, _) = DatasetFixtures.Pattern(5, 3);
        Assert.Equal(r / 255f, img.Rgb[3, 5, 0].item<float>(), 6);
    }

    private static void WriteLlff(string root, int n, string folder, int w, int h)
    {
        var data = new double[n * 17];
        for (int i = 0; i < n; i++)
        {
            // Identity OpenGL orientation in LLFF columns: down = (0,−1,0), right = (1,0,0), back = (0,0,1).
            double[] pose = { 0, 1, 0, 0.1 * i, 3000, -1, 0, 0, 0, 4000, 0, 0, 1, 5, 2000 };
            pose.CopyTo(data, i * 17);
            data[i * 17 + 15] = 1; data[i * 17 + 16] = 10;
        }
        NpyFile.WriteFloat64(Path.Combine(root, "poses_bounds.npy"), data, n, 17);
        for (int i = 0; i < n; i++) DatasetFixtures.WritePng(Path.Combine(root, folder, $"img{i:D2}.png"), w, h, DatasetFixtures.Pattern, opaque: true);
    }

    [Fact]
    public void Llff_ImagesN_FocalScaledByActualWidth_HoldOut()
    {
        using var tmp = new TempDir();
        WriteLlff(tmp.Path, 5, "images_2", 8, 6);
        using var ds = DatasetLoader.Load(tmp.Path, new DatasetLoadOptions { Downscale = 2, TestHoldoutEvery = 2 });
        Assert.Equal("llff", ds.Format);
        Assert.Equal(new[] { "img01", "img03" }, ds.Train.Select(v => v.Name));
        Assert.Equal(new[] { "img00", "img02", "img04" }, ds.Test.Select(v => v.Name));
        var cam = ds.Test[1].Camera;
        Assert.Equal(8, cam.Width); Assert.Equal(6, cam.Height);
        Assert.Equal(2000.0 * 8 / 4000, cam.Fx, 12); Assert.Equal(2000.0 * 6 / 3000, cam.Fy, 12);
        Assert.Equal(4, cam.Cx); Assert.Equal(3, cam.Cy);
        var (u, v, d) = cam.Project(0.2, 0, 0); // camera 2 at (0.2, 0, 5) looking down −Z
        Assert.Equal(4, u, 9); Assert.Equal(3, v, 9); Assert.Equal(5, d, 9);
        Assert.Null(ds.Points);
        // Train cameras (1 and 3) sit at x = 0.1 and 0.3, y = 0, z = 5: centre (0.2, 0, 5), radius 1.1 × 0.1.
        var (centre, radius) = ds.CameraExtent();
        Assert.Equal(0.2, centre.X, 12); Assert.Equal(0, centre.Y, 12); Assert.Equal(5, centre.Z, 12);
        Assert.Equal(0.11, radius, 12);
    }

    [Fact]
    public void Llff_WithoutImagesN_ResamplesFromFinerFolder()
    {
        using var tmp = new TempDir();
        WriteLlff(tmp.Path, 2, "images", 8, 6);
        using var ds = DatasetLoader.Load(tmp.Path, new DatasetLoadOptions { Downscale = 2, TestHoldoutEvery = 0 });
        Assert.Equal(2, ds.Train.Count);
        var cam = ds.Train[0].Camera;
        Assert.Equal(4, cam.Width); Assert.Equal(3, cam.Height); Assert.Equal(2000.0 * 4 / 4000, cam.Fx, 12);
        using var img = ds.Train[0].LoadImage();
        Assert.Equal(new long[] { 3, 4, 3 }, img.Rgb.shape);
        double expect = 0;
        for (int y = 2; y < 4; y++) for (int x = 6; x < 8; x++) expect += DatasetFixtures.Pattern(x, y).Item1 / 255.0 / 4;
        Assert.Equal(expect, img.Rgb[1, 3, 0].item<float>(), 5);
    }

    [Fact]
    public void Colmap_TextAndBinaryModels_LoadToTheSameCameras()
    {
        using var txt = new TempDir(); using var bin = new TempDir();
        DatasetFixtures.WriteColmapText(Path.Combine(txt.Path, "sparse", "0"));
        DatasetFixtures.WriteColmapBinary(Path.Combine(bin.Path, "sparse", "0"));
        DatasetFixtures.WriteColmapImages(Path.Combine(txt.Path, "images"), 8, 6);
        DatasetFixtures.WriteColmapImages(Path.Combine(bin.Path, "images"), 8, 6);
        var opts = new DatasetLoadOptions { TestHoldoutEvery = 0 };
        using var a = DatasetLoader.Load(txt.Path, opts);
        using var b = DatasetLoader.Load(bin.Path, opts);
        Assert.Equal("colmap", a.Format); Assert.Equal("colmap", b.Format);
        Assert.Equal(new[] { "a", "b", "c" }, a.Train.Select(v => v.Name)); // name order
        for (int i = 0; i < 3; i++)
        {
            var ca = a.Train[i].Camera; var cb = b.Train[i].Camera;
            Assert.Equal((ca.Width, ca.Height, ca.Fx, ca.Fy, ca.Cx, ca.Cy), (cb.Width, cb.Height, cb.Fx, cb.Fy, cb.Cx, cb.Cy));
            for (int k = 0; k < 9; k++) Assert.Equal(ca.Rotation[k], cb.Rotation[k], 14);
            for (int k = 0; k < 3; k++) Assert.Equal(ca.Translation[k], cb.Translation[k], 14);
        }
        // Image "a": SIMPLE_RADIAL with k = 0, a 90° turn about +Y, t = (0.5, −0.25, 3).
        var cam = a.Train[0].Camera;
        Assert.Equal((6.5, 6.5, 3.75, 3.25), (cam.Fx, cam.Fy, cam.Cx, cam.Cy));
        var (x, y, z) = cam.WorldToCamera(1, 0, 0); // R·(1,0,0) = (0,0,−1) for a +90° turn about Y
        Assert.Equal(0.5, x, 12); Assert.Equal(-0.25, y, 12); Assert.Equal(2, z, 12);
        Assert.Equal(2, a.PointCount); Assert.Equal(2, b.PointCount);
        Assert.True(a.Points!.eq(b.Points!).all().item<bool>());
        Assert.Equal(-1.5f, a.Points![1, 0].item<float>());
        Assert.Equal(3 / 255f, b.PointColors![1, 2].item<float>(), 7);
    }

    [Fact]
    public void Colmap_DownscaleUsesImagesN_AndRescalesIntrinsics()
    {
        using var tmp = new TempDir();
        DatasetFixtures.WriteColmapBinary(Path.Combine(tmp.Path, "sparse", "0"));
        DatasetFixtures.WriteColmapImages(Path.Combine(tmp.Path, "images"), 8, 6);
        DatasetFixtures.WriteColmapImages(Path.Combine(tmp.Path, "images_2"), 4, 3);
        using var ds = DatasetLoader.Load(tmp.Path, new DatasetLoadOptions { Downscale = 2 });
        Assert.Equal(2, ds.Train.Count); Assert.Single(ds.Test); // hold-out every 8th: index 0
        var cam = ds.Test[0].Camera;
        Assert.Equal(ds.Test[0].ImagePath, Path.Combine(tmp.Path, "images_2", "a.png"));
        Assert.Equal((4, 3, 3.25, 3.25, 1.875, 1.625), (cam.Width, cam.Height, cam.Fx, cam.Fy, cam.Cx, cam.Cy));
    }

    [Fact]
    public void FromMemory_ReturnsCopies_AndValidatesShapes()
    {
        var cam = PoseConversions.FromOpenGlCameraToWorld(new double[] { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 0, 0, 0, 1 }, 5, 4, 5, 5, 2.5, 2);
        using var rgb = torch.rand(4, 5, 3); using var alpha = torch.rand(4, 5);
        using var pts = torch.randn(10, 3);
        using var ds = SceneDataset.FromMemory(new[] { (cam, rgb, (Tensor?)alpha) }, test: new[] { (cam, rgb, (Tensor?)null) }, points: pts);
        Assert.Equal("memory", ds.Format);
        Assert.Equal(2, ds.AllViews.Count);
        Assert.Equal(10, ds.PointCount);
        using (var img = ds.Train[0].LoadImage())
        {
            Assert.True(img.Rgb.eq(rgb).all().item<bool>());
            Assert.True(img.Alpha!.eq(alpha).all().item<bool>());
            img.Rgb.fill_(0); // the caller owns this copy; the dataset is unaffected
        }
        using (var again = ds.Train[0].LoadImage()) Assert.True(again.Rgb.eq(rgb).all().item<bool>());
        using (var t = ds.Test[0].LoadImage()) Assert.Null(t.Alpha);
        var loaded = SceneDataset.LoadImages(ds.AllViews);
        Assert.Equal(2, loaded.Length);
        Assert.True(loaded[1].Rgb.eq(rgb).all().item<bool>());
        Assert.Null(loaded[1].Alpha);
        foreach (var im in loaded) im.Dispose();
        using var wrong = torch.rand(5, 4, 3);
        var e = Assert.Throws<ArgumentException>(() => SceneDataset.FromMemory(new[] { (cam, wrong, (Tensor?)null) }));
        Assert.Contains("train[0]", e.Message);
    }

    [Fact]
    public void NpyReader_ReadsFloat32AndFloat64()
    {
        using var tmp = new TempDir();
        NpyFile.WriteFloat64(tmp.File("a.npy"), new[] { 1.5, -2, 3, 4, 5, 6.25 }, 2, 3);
        var (shape, data) = NpyFile.Read(tmp.File("a.npy"));
        Assert.Equal(new long[] { 2, 3 }, shape);
        Assert.Equal(new[] { 1.5, -2, 3, 4, 5, 6.25 }, data);
        // A float32 file written byte by byte (version 1.0 header padded to 128 bytes).
        string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
        header += new string(' ', 128 - 10 - header.Length - 1) + "\n";
        using (var bw = new BinaryWriter(File.Create(tmp.File("b.npy"))))
        {
            bw.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
            bw.Write((ushort)header.Length); bw.Write(System.Text.Encoding.ASCII.GetBytes(header));
            bw.Write(0.5f); bw.Write(-1f); bw.Write(3.25f);
        }
        var (s2, d2) = NpyFile.Read(tmp.File("b.npy"));
        Assert.Equal(new long[] { 3 }, s2);
        Assert.Equal(new[] { 0.5, -1, 3.25 }, d2);
    }
}
