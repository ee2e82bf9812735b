using CoSeg.Evaluation;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using CoSeg.Tests.Infrastructure;
using static TorchSharp.torch;

namespace CoSeg.Tests.Segmentation;

/// <summary>End-to-end checks on a tiny generated scene (few hundred Gaussians, 40-px views, few steps).</summary>
public class SegmenterTests : IClassFixture<SegmenterTests.TinyScene>
{
    public sealed class TinyScene : IDisposable
    {
        public SyntheticSegmentationScene S { get; } = SyntheticSegmentationScene.Create(new SyntheticSceneOptions
        {
            Objects = 3, Density = 220, TrainViews = 8, TestViews = 4, ImageSize = 40, Seed = 3,
        });
        public void Dispose() => S.Dispose();
    }

    private readonly SyntheticSegmentationScene _s;
    public SegmenterTests(TinyScene f) => _s = f.S;

    private SegmentOptions Fast(SegmentationMethod m) => new()
    {
        Method = m, Classes = _s.Segments + 1, Iterations = 120, NeighborScales = new[] { 8, 16 }, SpatialKlSamples = 256, HiddenWidth = 32,
    };

    private Dictionary<string, int[]> Clean() => _s.TrainViews.Zip(_s.TrainGroundTruth).ToDictionary(p => p.First.Name, p => p.Second);

    private double TestMeanIoU(SegmentationResult r)
    {
        var m = new SegmentationConfusionMatrix();
        foreach (var (v, gt) in _s.TestViews.Zip(_s.TestGroundTruth))
        {
            using var map = r.RenderLabels(v.Camera);
            using var i32 = map.to(ScalarType.Int32).reshape(-1);
            m.Add(gt, i32.data<int>().ToArray());
        }
        return m.MeanIoU;
    }

    [Fact]
    public async Task CoSegLearnsCleanLabelsDeterministically()
    {
        using var r1 = await Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(Clean()), null, Fast(SegmentationMethod.CoSeg));
        using var r2 = await Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(Clean()), null, Fast(SegmentationMethod.CoSeg));
        Assert.Equal(r1.GaussianIdentities, r2.GaussianIdentities);
        double miou = TestMeanIoU(r1);
        Assert.True(miou > 0.8, $"held-out mIoU {miou:F3}");
        // per-Gaussian identities agree with the known membership for most Gaussians
        double agree = r1.GaussianIdentities.Zip(_s.Membership).Count(p => p.First == p.Second) / (double)_s.Membership.Length;
        Assert.True(agree > 0.8, $"membership agreement {agree:F3}");
        Assert.All(r1.Confidences, c => Assert.InRange(c, 0f, 1f));
    }

    [Fact]
    public async Task PerGaussianBaselineLearnsCleanLabels()
    {
        using var r = await Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(Clean()), null,
                                                   Fast(SegmentationMethod.PerGaussian) with { Iterations = 200, PerGaussianRecipe = PerGaussianRecipe.Bare });
        double miou = TestMeanIoU(r);
        Assert.True(miou > 0.7, $"held-out mIoU {miou:F3}");
    }

    [Fact]
    public async Task InstanceModeAssociatesPermutedIds()
    {
        var rng = new Random(5);
        var noisy = _s.TrainViews.Zip(_s.TrainGroundTruth).ToDictionary(p => p.First.Name,
            p => LabelNoiseGenerator.Corrupt(p.Second, 40, 40, _s.Segments, new LabelNoiseOptions { PermuteIds = true }, rng));
        using var r = await Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(noisy), null,
                                                   Fast(SegmentationMethod.CoSeg) with { Mode = LabelMode.Instance, Iterations = 200 });
        var pairs = new List<(int[], int[])>();
        foreach (var (v, gt) in _s.TestViews.Zip(_s.TestGroundTruth))
        {
            using var map = r.RenderLabels(v.Camera);
            using var i32 = map.to(ScalarType.Int32).reshape(-1);
            pairs.Add((gt, i32.data<int>().ToArray()));
        }
        var match = SegmentationLabelMatching.Match(pairs);
        var cm = new SegmentationConfusionMatrix();
        foreach (var (g, p) in pairs) cm.Add(g, SegmentationLabelMatching.Apply(p, match));
        Assert.True(cm.MeanIoU > 0.6, $"matched mIoU {cm.MeanIoU:F3}");
    }

    [Fact]
    public async Task ViewsWithoutLabelsAreSkippedAndCounted()
    {
        var some = Clean().Take(5).ToDictionary(kv => kv.Key, kv => kv.Value);
        using var r = await Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(some), null,
                                                   Fast(SegmentationMethod.PerGaussian) with { Iterations = 5 });
        Assert.Equal(_s.TrainViews.Count - 5, r.SkippedViews);
        Assert.Equal(r.SkippedViews, r.Warnings.Count);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(new Dictionary<string, int[]>()), null, Fast(SegmentationMethod.PerGaussian)));
    }

    [Fact]
    public async Task BadLabelsAreRejected()
    {
        var tooBig = Clean().ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => v == 0 ? 0 : v + 10).ToArray());
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(tooBig), null, Fast(SegmentationMethod.PerGaussian)));
        Assert.Contains("≥ the number of classes", e.Message);
        var wrongSize = Clean().ToDictionary(kv => kv.Key, kv => kv.Value.Take(100).ToArray());
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(wrongSize), null, Fast(SegmentationMethod.PerGaussian)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(Clean()), null, Fast(SegmentationMethod.CoSeg) with { Classes = 1 }));
    }

    [Fact]
    public async Task SavesLabelledPlys()
    {
        using var r = await Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(Clean()), null,
                                                   Fast(SegmentationMethod.PerGaussian) with { Iterations = 20 });
        using var dir = new TempDir();
        r.SavePly(dir.File("seg.ply"));
        var (count, labels) = ReadLabels(dir.File("seg.ply"));
        Assert.Equal(_s.Scene.Count, count);
        Assert.Equal(r.GaussianIdentities.Select(i => (float)i), labels);
        var files = r.SaveSegmentPlys(dir.File("segments"));
        Assert.Equal(r.GaussianIdentities.Distinct().Count(), files.Count);
        Assert.Equal(_s.Scene.Count, files.Sum(f => ReadLabels(f).Count));
        foreach (var f in files)
        {
            int id = int.Parse(Path.GetFileNameWithoutExtension(f)["segment_".Length..]);
            Assert.All(ReadLabels(f).Labels, l => Assert.Equal(id, (int)l));
        }
    }

    private static (int Count, float[] Labels) ReadLabels(string path)
    {
        using var scene = CoSeg.Gaussians.GaussianPly.Load(path);
        return ((int)scene.Count, scene.ExtraProperties["label"].data<float>().ToArray());
    }
}
