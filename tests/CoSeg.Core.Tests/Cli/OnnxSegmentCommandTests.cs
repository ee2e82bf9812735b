using System.Text.Json;
using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Segmentation;
using CoSeg.Tests.Infrastructure;
using CoSeg.Tests.Models;
using SkiaSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Cli;

/// <summary>
/// `coseg segment` with ONNX models end to end on a small generated scene: instance labels from the fake SAM pair
/// (`--labels sam:ENC,DEC`, instance mode implied) with the tiny ONNX backbone (`--features onnx:`), and semantic
/// labels from the tiny ONNX segmenter (`--labels onnx:`).
/// </summary>
[Trait("Category", "Cli")]
public sealed class OnnxSegmentCommandTests
{
    private const int W = 64, H = 48;

    /// <summary>A checkerboard of 16-pixel white/black cells (what the fake SAM makes masks of), in every view.</summary>
    private static void WriteDataset(string root)
    {
        foreach (var (split, count) in new[] { ("train", 4), ("test", 2) })
        {
            Directory.CreateDirectory(Path.Combine(root, split));
            var frames = new List<object>();
            for (int i = 0; i < count; i++)
            {
                using var bmp = new SKBitmap(new SKImageInfo(W, H, SKColorType.Rgba8888, SKAlphaType.Opaque));
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++)
                    {
                        byte v = (x / 16 + y / 16) % 2 == 0 ? (byte)255 : (byte)0;
                        bmp.SetPixel(x, y, new SKColor(v, v, v, 255));
                    }
                using (var data = bmp.Encode(SKEncodedImageFormat.Png, 100))
                using (var f = File.Create(Path.Combine(root, split, $"r_{i}.png"))) data.SaveTo(f);
                double a = 0.25 * i + (split == "test" ? 0.1 : 0);
                double[][] m =
                {
                    new[] { Math.Cos(a), 0, Math.Sin(a), 4 * Math.Sin(a) }, new[] { 0.0, 1, 0, 0 },
                    new[] { -Math.Sin(a), 0, Math.Cos(a), 4 * Math.Cos(a) }, new[] { 0.0, 0, 0, 1 },
                };
                frames.Add(new { file_path = $"./{split}/r_{i}", transform_matrix = m });
            }
            File.WriteAllText(Path.Combine(root, $"transforms_{split}.json"), JsonSerializer.Serialize(new { camera_angle_x = 0.7, frames }));
        }
    }

    /// <summary>A cube of 600 opaque Gaussians around the origin, where every camera looks.</summary>
    private static void WriteScene(string path)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        int n = 600;
        var means = rand(new long[] { n, 3 }, generator: g) * 2 - 1;
        var scales = full(n, 3, (float)Math.Log(0.12));
        var quats = cat(new[] { ones(n, 1), zeros(n, 3) }, 1);
        var sh = rand(new long[] { n, 1, 3 }, generator: g);
        using var scene = new GaussianScene(means, scales, quats, full(n, 4f), sh);
        scene.SavePly(path);
    }

    private static long[] ReadMap(string dir, string name)
    {
        using var t = new PngFolderLabelSource(dir).GetLabels(new SegmentationView(name, new Camera(W, H, 10, 10, W / 2.0, H / 2.0,
            new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 0 }, name), null));
        Assert.NotNull(t);
        return t!.data<long>().ToArray();
    }

    /// <summary>The dataset, scene and output paths of one test, with the dataset and scene written.</summary>
    private static (string Data, string Ply, string Out) Prepare(TempDir tmp)
    {
        string data = tmp.File("data"), ply = tmp.File("scene.ply");
        WriteDataset(data);
        WriteScene(ply);
        return (data, ply, tmp.File("out"));
    }

    [Fact]
    public void Segment_WithSamLabelsAndAnOnnxBackbone_WritesAnInstanceSegmentation()
    {
        using var tmp = new TempDir();
        var (data, ply, outDir) = Prepare(tmp);
        string sam = $"sam:{OnnxModelTests.Asset("fake_sam_encoder.onnx")},{OnnxModelTests.Asset("fake_sam_decoder.onnx")}";
        var r = CliRunner.Run("segment", "--data", data, "--ply", ply, "--labels", sam, "--features", "onnx:" + OnnxModelTests.Asset("tiny_backbone.onnx"),
                              "--out", outDir, "--iterations", "60", "--max-side", "64");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        Assert.Contains("features onnx:tiny_backbone.onnx", r.StdErr);
        Assert.DoesNotContain("has no labels", r.StdErr);
        Assert.True(new FileInfo(Path.Combine(outDir, "segmented.ply")).Length > 0);
        var ids = new[] { "r_0", "r_1" }.SelectMany(v => ReadMap(Path.Combine(outDir, "labels"), v)).Where(id => id != 0).Distinct().ToList();
        Assert.True(ids.Count >= 2, $"the rendered test views show {ids.Count} identities; expected several SAM instances");
    }

    [Fact]
    public void Segment_WithAnOnnxSemanticSegmenter_LabelsTheWhiteCells()
    {
        using var tmp = new TempDir();
        var (data, ply, outDir) = Prepare(tmp);
        var r = CliRunner.Run("segment", "--data", data, "--ply", ply, "--labels", "onnx:" + OnnxModelTests.Asset("tiny_segmenter.onnx"),
                              "--out", outDir, "--iterations", "30", "--classes", "4", "--max-side", "64");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        // White pixels are class 1 (R wins ties), black ones class 0 (ignored): only id 1 can be learnt.
        var ids = new[] { "r_0", "r_1" }.SelectMany(v => ReadMap(Path.Combine(outDir, "labels"), v)).Distinct().ToList();
        Assert.Contains(1L, ids);
        Assert.DoesNotContain(2L, ids);
        Assert.DoesNotContain(3L, ids);
    }

    [Fact]
    public void Segment_WithAnUnknownModelKind_IsAUsageError()
    {
        using var tmp = new TempDir();
        var (data, ply, outDir) = Prepare(tmp);
        var r = CliRunner.Run("segment", "--data", data, "--ply", ply, "--labels", "sam:only-one.onnx", "--out", outDir);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--labels", r.StdErr);
        Assert.Contains("two files", r.StdErr);
    }
}
