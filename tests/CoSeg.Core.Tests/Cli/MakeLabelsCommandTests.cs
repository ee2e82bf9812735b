using System.Text.Json;
using CoSeg.Geometry;
using CoSeg.Segmentation;
using CoSeg.Tests.Infrastructure;
using SkiaSharp;

namespace CoSeg.Tests.Cli;

/// <summary>
/// `coseg make-labels` on a tiny NeRF-synthetic-style dataset written here (RGBA PNGs whose alpha is a known disc):
/// the label PNGs it writes are compared with labels thresholded from the written alpha bytes by hand.
/// </summary>
[Trait("Category", "Cli")]
public sealed class MakeLabelsCommandTests
{
    private const int W = 24, H = 16;

    /// <summary>Alpha byte of pixel (x, y) in view v: a soft disc whose centre moves with v, so views differ.</summary>
    private static byte AlphaAt(int v, int x, int y)
    {
        double dx = x - (8 + 2 * v), dy = y - 8, d = Math.Sqrt(dx * dx + dy * dy);
        return (byte)Math.Clamp(Math.Round(255 * (6 - d) / 3), 0, 255);
    }

    /// <summary>Writes transforms_{train,test}.json and PNGs; RGBA unless <paramref name="opaque"/>.</summary>
    private static void WriteDataset(string root, int trainViews, int testViews, bool opaque = false)
    {
        foreach (var (split, count, offset) in new[] { ("train", trainViews, 0), ("test", testViews, 100) })
        {
            Directory.CreateDirectory(Path.Combine(root, split));
            var frames = new List<object>();
            for (int i = 0; i < count; i++)
            {
                using var bmp = new SKBitmap(new SKImageInfo(W, H, SKColorType.Rgba8888, opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul));
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++)
                        bmp.SetPixel(x, y, new SKColor(200, 100, 50, opaque ? (byte)255 : AlphaAt(offset + i, x, y)));
                using (var data = bmp.Encode(SKEncodedImageFormat.Png, 100))
                using (var f = File.Create(Path.Combine(root, split, $"r_{i}.png"))) data.SaveTo(f);
                double a = 0.3 * i;   // cameras on a circle, 4 units out, looking at the origin (Blender: looks down −Z)
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

    /// <summary>The expected clean label of a pixel: foreground (2) where alpha/255 ≥ 0.5, else background (1).</summary>
    private static long[] Expected(int v) =>
        Enumerable.Range(0, W * H).Select(i => AlphaAt(v, i % W, i / W) / 255f >= 0.5f ? 2L : 1L).ToArray();

    private static long[] ReadLabels(string dir, string name)
    {
        using var t = new PngFolderLabelSource(dir).GetLabels(new SegmentationView(name, new Camera(W, H, 10, 10, W / 2.0, H / 2.0,
            new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 0 }, name), null));
        Assert.NotNull(t);
        return t!.data<long>().ToArray();
    }

    [Fact]
    public void NoNoise_WritesCleanTrainLabelsAndGroundTruth()
    {
        using var tmp = new TempDir();
        string data = tmp.File("data"), outDir = tmp.File("out");
        WriteDataset(data, 3, 2);
        var r = CliRunner.Run("make-labels", "--data", data, "--out", outDir, "--noise", "none");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut.Trim());
        Assert.Equal(3, json.RootElement.GetProperty("train_views").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("gt_views").GetInt32());
        Assert.Equal(1.0, json.RootElement.GetProperty("train_label_accuracy").GetDouble());
        double fg = Enumerable.Range(0, 3).SelectMany(Expected).Count(v => v == 2) / (3.0 * W * H);
        Assert.Equal(fg, json.RootElement.GetProperty("foreground_fraction").GetDouble(), 12);
        for (int i = 0; i < 3; i++) Assert.Equal(Expected(i), ReadLabels(Path.Combine(outDir, "train"), $"r_{i}"));
        for (int i = 0; i < 2; i++) Assert.Equal(Expected(100 + i), ReadLabels(Path.Combine(outDir, "gt"), $"r_{i}"));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(outDir, "gt"), "*.png").Length);
    }

    [Fact]
    public void HighNoise_CorruptsTrainLabels_ReportsTheirAccuracy_KeepsGroundTruthClean()
    {
        using var tmp = new TempDir();
        string data = tmp.File("data"), outDir = tmp.File("out");
        WriteDataset(data, 6, 2);
        var r = CliRunner.Run("make-labels", "--data", data, "--out", outDir, "--noise", "high", "--seed", "3");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut.Trim());
        long correct = 0, total = 0;
        for (int i = 0; i < 6; i++)
        {
            var written = ReadLabels(Path.Combine(outDir, "train"), $"r_{i}");
            var clean = Expected(i);
            Assert.All(written, v => Assert.InRange(v, 0, 2));
            correct += written.Zip(clean).Count(p => p.First == p.Second);
            total += clean.Length;
        }
        double accuracy = (double)correct / total;
        Assert.True(accuracy < 1, "high noise left every training label intact");
        Assert.Equal(accuracy, json.RootElement.GetProperty("train_label_accuracy").GetDouble(), 12);
        for (int i = 0; i < 2; i++) Assert.Equal(Expected(100 + i), ReadLabels(Path.Combine(outDir, "gt"), $"r_{i}"));
        // Same seed, same labels.
        var again = CliRunner.Run("make-labels", "--data", data, "--out", tmp.File("again"), "--noise", "high", "--seed", "3");
        Assert.Equal(0, again.ExitCode);
        for (int i = 0; i < 6; i++)
            Assert.Equal(ReadLabels(Path.Combine(outDir, "train"), $"r_{i}"), ReadLabels(Path.Combine(tmp.File("again"), "train"), $"r_{i}"));
    }

    [Fact]
    public void DatasetWithoutAlpha_OneLineError_ExitsOne()
    {
        using var tmp = new TempDir();
        string data = tmp.File("data");
        WriteDataset(data, 2, 1, opaque: true);
        var r = CliRunner.Run("make-labels", "--data", data, "--out", tmp.File("out"));
        Assert.Equal(1, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Single(lines);
        Assert.Contains("no alpha channel", lines[0]);
        Assert.Contains(data, lines[0]);
    }

    [Fact]
    public void BadNoiseLevel_UsageError_ExitsTwo()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("make-labels", "--data", tmp.Path, "--out", tmp.File("out"), "--noise", "extreme");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("none|low|default|high", r.StdErr);
    }
}
