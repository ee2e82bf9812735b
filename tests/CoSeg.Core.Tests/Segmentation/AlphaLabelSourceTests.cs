using CoSeg.Data;
using CoSeg.Geometry;
using CoSeg.Segmentation;
using CoSeg.Tests.Infrastructure;
using SkiaSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Segmentation;

public sealed class AlphaLabelSourceTests
{
    private static Camera Cam(string name, int w, int h) =>
        new(w, h, 10, 10, w / 2.0, h / 2.0, new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 0 }, name);

    /// <summary>Alpha values in [0, 1] with exact 0.5 and its float neighbours mixed in (the threshold edge).</summary>
    private static float[] RandomAlpha(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++)
            a[i] = (i % 7) switch
            {
                0 => 0.5f, 1 => MathF.BitDecrement(0.5f), 2 => MathF.BitIncrement(0.5f), 3 => 0f, 4 => 1f,
                _ => (float)rng.NextDouble(),
            };
        return a;
    }

    /// <summary>Reference: 2 (foreground) where alpha ≥ t, else 1, by a plain loop.</summary>
    private static long[] Reference(float[] alpha, double t) => alpha.Select(a => a >= t ? 2L : 1L).ToArray();

    [Fact]
    public void FromAlpha_ForegroundAtOrAboveThreshold_BackgroundBelow()
    {
        var a = RandomAlpha(9 * 13, 1);
        using var alpha = tensor(a).reshape(9, 13);
        using var labels = AlphaLabelSource.FromAlpha(alpha);
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal(new long[] { 9, 13 }, labels.shape);
        Assert.Equal(Reference(a, 0.5), labels.data<long>().ToArray());
        using var strict = AlphaLabelSource.FromAlpha(alpha, 0.9);
        Assert.Equal(Reference(a, 0.9), strict.data<long>().ToArray());
        Assert.Contains(1L, labels.data<long>().ToArray());
        Assert.Contains(2L, labels.data<long>().ToArray());
    }

    [Fact]
    public void GetLabels_FromMemoryDataset_MatchesEachViewsAlpha()
    {
        const int w = 12, h = 8;
        var alphas = new[] { RandomAlpha(w * h, 2), RandomAlpha(w * h, 3) };
        var items = alphas.Select((a, i) => (Cam($"v{i}", w, h), full(new long[] { h, w, 3 }, 0.5f), (Tensor?)tensor(a).reshape(h, w))).ToList();
        using var ds = SceneDataset.FromMemory(items);
        foreach (var (cam, rgb, alpha) in items) { rgb.Dispose(); alpha!.Dispose(); }
        var source = new AlphaLabelSource(ds.Train);
        for (int i = 0; i < alphas.Length; i++)
        {
            using var l = source.GetLabels(new SegmentationView($"v{i}", Cam($"v{i}", w, h), null));
            Assert.NotNull(l);
            Assert.Equal(new long[] { h, w }, l!.shape);
            Assert.Equal(Reference(alphas[i], 0.5), l.data<long>().ToArray());
        }
        Assert.Null(source.GetLabels(new SegmentationView("unknown", Cam("unknown", w, h), null)));
        var wrongSize = Assert.Throws<ArgumentException>(() => source.GetLabels(new SegmentationView("v0", Cam("v0", w / 2, h / 2), null)));
        Assert.Contains("v0", wrongSize.Message);
    }

    [Fact]
    public void DatasetWithoutAlpha_ThrowsNamingTheView()
    {
        using var ds = SceneDataset.FromMemory(new[] { (Cam("rgbOnly", 4, 3), zeros(3, 4, 3), (Tensor?)null) });
        var source = new AlphaLabelSource(ds.Train);
        var e = Assert.Throws<InvalidDataException>(() => source.GetLabels(new SegmentationView("rgbOnly", Cam("rgbOnly", 4, 3), null)));
        Assert.Contains("rgbOnly", e.Message);
        Assert.Contains("alpha", e.Message);
    }

    [Fact]
    public void BadArguments_Throw()
    {
        using var ds = SceneDataset.FromMemory(new[]
        {
            (Cam("same", 4, 3), zeros(3, 4, 3), (Tensor?)zeros(3, 4)), (Cam("same", 4, 3), zeros(3, 4, 3), (Tensor?)zeros(3, 4)),
        });
        Assert.Contains("same", Assert.Throws<ArgumentException>(() => new AlphaLabelSource(ds.Train)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlphaLabelSource(ds.Train.Take(1), threshold: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlphaLabelSource(ds.Train.Take(1), threshold: 1.5));
        using var threeD = zeros(2, 3, 1);
        Assert.Throws<ArgumentException>(() => AlphaLabelSource.FromAlpha(threeD));
    }

    [Fact]
    public void LabelIdPng_RoundTripsThroughPngFolderLabelSource_AndDecodesWithSkia()
    {
        using var dir = new TempDir();
        const int w = 7, h = 5;
        var rng = new Random(4);
        var small = Enumerable.Range(0, w * h).Select(_ => rng.Next(0, 256)).ToArray();
        var large = Enumerable.Range(0, w * h).Select(i => i == 3 ? 65535 : rng.Next(0, 1000)).ToArray();
        LabelIdPng.Save(small, w, h, dir.File("small.png"));
        using (var t = tensor(large.Select(v => (long)v).ToArray()).reshape(h, w)) LabelIdPng.Save(t, dir.File("large.png"));
        var src = new PngFolderLabelSource(dir.Path);
        using var s = src.GetLabels(new SegmentationView("small", Cam("small", w, h), null))!;
        using var l = src.GetLabels(new SegmentationView("large", Cam("large", w, h), null))!;
        Assert.Equal(small.Select(v => (long)v), s.data<long>().ToArray());
        Assert.Equal(large.Select(v => (long)v), l.data<long>().ToArray());
        // An independent decoder (Skia) reads the 8-bit file as the same grays.
        using var bmp = SKBitmap.Decode(dir.File("small.png"));
        Assert.NotNull(bmp);
        for (int i = 0; i < w * h; i++) Assert.Equal(small[i], bmp.GetPixel(i % w, i / w).Red);
        Assert.Throws<ArgumentException>(() => LabelIdPng.Save(new[] { -1 }, 1, 1, dir.File("bad.png")));
        Assert.Throws<ArgumentException>(() => LabelIdPng.Save(new[] { 1, 2 }, 1, 1, dir.File("bad.png")));
    }
}
