using CoSeg.Evaluation;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CoSeg.Tests.Segmentation;

/// <summary>Segmentation through the rasterizer backends: the vote method, cross-backend agreement, streaming and errors.</summary>
public class SegmentationBackendsTests(SegmentationBackendsTests.TinyScene fixture, ITestOutputHelper output) : IClassFixture<SegmentationBackendsTests.TinyScene>
{
    public sealed class TinyScene : IDisposable
    {
        public SyntheticSegmentationScene S { get; } = SyntheticSegmentationScene.Create(new SyntheticSceneOptions
        {
            Objects = 3, Density = 160, TrainViews = 6, TestViews = 3, ImageSize = 32, Seed = 4,
        });
        public void Dispose() => S.Dispose();
    }

    private SyntheticSegmentationScene S => fixture.S;

    private Dictionary<string, int[]> Clean() => S.TrainViews.Zip(S.TrainGroundTruth).ToDictionary(p => p.First.Name, p => p.Second);

    private SegmentOptions Options(SegmentationMethod m, string backend) => new()
    {
        Method = m, Classes = S.Segments + 1, Iterations = 60, NeighborScales = new[] { 8, 16 }, SpatialKlSamples = 128, HiddenWidth = 16, Backend = backend,
    };

    private List<int[]> TestMaps(SegmentationResult r) => S.TestViews.Select(v =>
    {
        using var map = r.RenderLabels(v.Camera);
        using var i32 = map.to(ScalarType.Int32).reshape(-1);
        return i32.data<int>().ToArray();
    }).ToList();

    private double MeanIoU(SegmentationResult r)
    {
        var cm = new SegmentationConfusionMatrix();
        foreach (var (gt, p) in S.TestGroundTruth.Zip(TestMaps(r))) cm.Add(gt, p);
        return cm.MeanIoU;
    }

    [Fact]
    public Task AllThreeBackendsGiveTheSameVote() => AllThreeBackendsAgree(SegmentationMethod.Vote);

    /// <summary>60 training steps per backend; the ILGPU CPU accelerator makes it ~40 s.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public Task AllThreeBackendsGiveTheSameCoSegSegmentation() => AllThreeBackendsAgree(SegmentationMethod.CoSeg);

    private async Task AllThreeBackendsAgree(SegmentationMethod method)
    {
        var maps = new Dictionary<string, List<int[]>>();
        foreach (var b in new[] { "native", "ilgpu", "reference" })
        {
            using var r = await Segmenter.SegmentAsync(S.Scene, S.TrainViews, new InMemoryLabelSource(Clean()), null, Options(method, b));
            Assert.Equal(b == "ilgpu" ? "ilgpu-cpu" : b, r.Backend);
            maps[b] = TestMaps(r);
        }
        foreach (var b in new[] { "ilgpu", "reference" })
        {
            long same = 0, all = 0;
            for (int v = 0; v < maps[b].Count; v++)
                for (int p = 0; p < maps[b][v].Length; p++) { all++; if (maps[b][v][p] == maps["native"][v][p]) same++; }
            double agree = (double)same / all;
            output.WriteLine($"{method}: {b} vs native label agreement {agree:P2}");
            Assert.True(agree >= 0.995, $"{method}: {b} agrees with native on {agree:P2} of the pixels");
        }
    }

    [Fact]
    public async Task VoteLiftsCleanLabelsWithoutTraining()
    {
        using var r = await Segmenter.SegmentAsync(S.Scene, S.TrainViews, new InMemoryLabelSource(Clean()), null, Options(SegmentationMethod.Vote, "auto"));
        double miou = MeanIoU(r);
        output.WriteLine($"vote held-out mIoU {miou:F3}, unseen {r.UnseenGaussians}, {r.Timings.VotingSeconds:F3} s voting");
        Assert.True(miou > 0.85, $"held-out mIoU {miou:F3}");
        Assert.Equal(0, r.Timings.TrainingSeconds);
        Assert.True(r.Timings.VotingSeconds > 0);
        Assert.All(r.Confidences, c => Assert.InRange(c, 0f, 1f));
        Assert.All(r.GaussianIdentities, id => Assert.InRange(id, 1, S.Segments));
        // Voted Gaussians' identities agree with the known membership (background Gaussians carry label 0 → any id).
        var fg = Enumerable.Range(0, S.Membership.Length).Where(i => S.Membership[i] > 0 && r.Confidences[i] > 0).ToArray();
        double agree = fg.Count(i => r.GaussianIdentities[i] == S.Membership[i]) / (double)fg.Length;
        Assert.True(agree > 0.9, $"membership agreement {agree:F3}");
    }

    [Fact]
    public async Task VoteIsTheArgmaxOfTheWeightedLabelHistogram()
    {
        // Closed form on an explicit histogram: unproject each view's one-hot labels with the public unprojector.
        var o = Options(SegmentationMethod.Vote, "native") with { MinPixelAlpha = 0 };
        using var r = await Segmenter.SegmentAsync(S.Scene, S.TrainViews, new InMemoryLabelSource(Clean()), null, o);
        int k = o.Classes;
        var maps = S.TrainGroundTruth.Select((gt, v) =>
        {
            var cam = S.TrainViews[v].Camera;
            using var ids = tensor(gt.Select(x => (long)x).ToArray(), new long[] { cam.Height, cam.Width });
            using var oh = nn.functional.one_hot(ids, k).to(ScalarType.Float32);
            oh[TensorIndex.Ellipsis, 0] = 0;
            return oh.permute(2, 0, 1).contiguous();
        }).ToList();
        using var un = CoSeg.Features.FeatureUnprojector.Unproject(S.Scene, S.TrainViews.Select(v => v.Camera).ToList(), maps, backend: "native");
        using var hist = un.Features * un.Weights.unsqueeze(1);
        var fgMass = hist[TensorIndex.Colon, 1..].sum(1).data<float>().ToArray();
        var arg = (hist[TensorIndex.Colon, 1..].argmax(1) + 1).to(ScalarType.Int32).data<int>().ToArray();
        int checkedCount = 0;
        for (int g = 0; g < arg.Length; g++)
        {
            if (fgMass[g] < 1e-3f) continue;   // ties and near-empty histograms are float-sensitive
            Assert.Equal(arg[g], r.GaussianIdentities[g]);
            checkedCount++;
        }
        Assert.True(checkedCount > arg.Length / 4, $"only {checkedCount} Gaussians have votes");
        foreach (var m in maps) m.Dispose();
    }

    [Fact]
    public async Task TimingsAndMemoryAreReported()
    {
        using var r = await Segmenter.SegmentAsync(S.Scene, S.TrainViews, new InMemoryLabelSource(Clean()), null, Options(SegmentationMethod.CoSeg, "auto"));
        var t = r.Timings;
        Assert.True(t.LabelsSeconds > 0 && t.FeaturesSeconds > 0 && t.UnprojectionSeconds > 0 && t.KnnSeconds > 0 && t.TrainingSeconds > 0);
        Assert.True(t.TotalSeconds >= t.LabelsSeconds + t.FeaturesSeconds + t.UnprojectionSeconds + t.TrainingSeconds - 1e-6);
        Assert.Equal(0, t.LabelRenderingSeconds);
        using (r.RenderLabels(S.TestViews[0].Camera)) { }
        Assert.True(r.Timings.LabelRenderingSeconds > 0);
        Assert.True(t.PeakResidentBytes > 50L << 20, $"peak RSS {t.PeakResidentBytes}");
        Assert.True(t.PeakManagedBytes > 0);
    }

    [Fact]
    public async Task ResultDoesNotDependOnTheCacheBudget()
    {
        var o = Options(SegmentationMethod.CoSeg, "native") with { Iterations = 30 };
        using var cached = await Segmenter.SegmentAsync(S.Scene, S.TrainViews, new InMemoryLabelSource(Clean()), null, o);
        using var streamed = await Segmenter.SegmentAsync(S.Scene, S.TrainViews, new InMemoryLabelSource(Clean()), null, o with { CacheBytes = 0 });
        Assert.Equal(cached.GaussianIdentities, streamed.GaussianIdentities);
        Assert.True((cached.Logits - streamed.Logits).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public async Task UnknownBackendIsAClearError()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            Segmenter.SegmentAsync(S.Scene, S.TrainViews, new InMemoryLabelSource(Clean()), null, Options(SegmentationMethod.Vote, "gpu-please")));
        Assert.Contains("Unknown rasterizer backend 'gpu-please'", e.Message);
        Assert.Equal(nameof(SegmentOptions.Backend), e.ParamName);
    }

    [Fact]
    public async Task VoteRejectsBadLabelsLikeTraining()
    {
        var tooBig = Clean().ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => v == 0 ? 0 : v + 10).ToArray());
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            Segmenter.SegmentAsync(S.Scene, S.TrainViews, new InMemoryLabelSource(tooBig), null, Options(SegmentationMethod.Vote, "auto")));
        Assert.Contains("≥ the number of classes", e.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Segmenter.SegmentAsync(S.Scene, S.TrainViews, new InMemoryLabelSource(new Dictionary<string, int[]>()), null, Options(SegmentationMethod.Vote, "auto")));
    }
}
