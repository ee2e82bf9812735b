using CoSeg.Evaluation;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using static TorchSharp.torch;
using Xunit.Abstractions;

namespace CoSeg.Tests.Segmentation;

/// <summary>Instance mode end to end on a small scene with many objects, where the first association matters.</summary>
public class InstanceSegmentationTests(ITestOutputHelper output)
{
    private static double MatchedMeanIoU(SyntheticSegmentationScene s, SegmentationResult r)
    {
        var pairs = new List<(int[], int[])>();
        foreach (var (v, gt) in s.TestViews.Zip(s.TestGroundTruth))
        {
            using var map = r.RenderLabels(v.Camera);
            using var i32 = map.to(ScalarType.Int32).reshape(-1);
            pairs.Add((gt, i32.data<int>().ToArray()));
        }
        var match = SegmentationLabelMatching.Match(pairs);
        var cm = new SegmentationConfusionMatrix();
        foreach (var (g, p) in pairs) cm.Add(g, SegmentationLabelMatching.Apply(p, match));
        return cm.MeanIoU;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ConsensusStartBeatsMatchingTheUntrainedDecoderUnderDefaultNoise()
    {
        // 8 segments, 16 views, per-view permuted ids with default noise. Matching the untrained shared decoder's
        // near-uniform output locks in arbitrary associations, so how badly it does depends on float round-off in the
        // first steps: measured (matched held-out mIoU, consensus / field-matched start) seed 0: 0.769 / 0.741,
        // seed 1: 0.753 / 0.437, seed 2: 0.828 / 0.651, seed 3: 0.776 / 0.555 (with the label noise generator before its
        // streams were made independent per corruption; with the current one: seed 0: 0.692 / 0.406, seed 1: 0.541 / 0.406).
        // The claim is about the mean, over two seeds.
        double a = 0, b = 0;
        foreach (int seed in new[] { 0, 1 })
        {
            using var s = SyntheticSegmentationScene.Create(new SyntheticSceneOptions { Objects = 7, Density = 200, TrainViews = 16, TestViews = 4, ImageSize = 48, Seed = seed });
            var labels = SegmentationBenchmark.NoisyLabels(s, LabelNoiseOptions.Default with { PermuteIds = true }, seed);
            var o = new SegmentOptions { Mode = LabelMode.Instance, Classes = 16, Iterations = 600, NeighborScales = new[] { 8, 32 }, HiddenWidth = 32 };
            using var consensus = await Segmenter.SegmentAsync(s.Scene, s.TrainViews, new InMemoryLabelSource(labels), null, o with { InstanceInit = InstanceInitialization.Consensus });
            using var field = await Segmenter.SegmentAsync(s.Scene, s.TrainViews, new InMemoryLabelSource(labels), null, o);
            double ca = MatchedMeanIoU(s, consensus), cb = MatchedMeanIoU(s, field);
            output.WriteLine($"seed {seed}: matched held-out mIoU: consensus start {ca:F4}, field-matched start {cb:F4}");
            Assert.True(ca > 0.50, $"seed {seed}: consensus start mIoU {ca:F3}");
            a += ca / 2; b += cb / 2;
        }
        Assert.True(a > b + 0.05, $"mean consensus start {a:F3} vs field-matched start {b:F3}");
    }

    [Fact]
    public void InvalidInstanceOptionsAreRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SegmentOptions { AssociationWarmup = 1.5 }.Validate());
        Assert.Equal(nameof(SegmentOptions.AssociationWarmup), e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SegmentOptions { ConsensusPasses = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SegmentOptions { InstanceInit = (InstanceInitialization)7 }.Validate());
        new SegmentOptions { AssociationWarmup = 0, ConsensusPasses = 0 }.Validate();
    }
}
