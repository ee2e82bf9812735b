using CoSeg.Rendering;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using static TorchSharp.torch;

namespace CoSeg.Tests.Segmentation;

/// <summary>The Gaussian Grouping baseline recipe, the vote-agreement weights and their option checks.</summary>
public class MethodRecipeTests : IClassFixture<SegmenterTests.TinyScene>
{
    private readonly SyntheticSegmentationScene _s;
    public MethodRecipeTests(SegmenterTests.TinyScene f) => _s = f.S;

    private Dictionary<string, int[]> Clean() => _s.TrainViews.Zip(_s.TrainGroundTruth).ToDictionary(p => p.First.Name, p => p.Second);

    private double MembershipAgreement(SegmentationResult r) =>
        r.GaussianIdentities.Zip(_s.Membership).Count(p => p.First == p.Second) / (double)_s.Membership.Length;

    [Fact]
    public async Task GaussianGroupingRecipeLearnsCleanLabelsAndDiffersFromBare()
    {
        var o = new SegmentOptions { Method = SegmentationMethod.PerGaussian, Classes = _s.Segments + 1, Iterations = 300 };
        using var gg = await Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(Clean()), null, o);
        using var bare = await Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, new InMemoryLabelSource(Clean()), null, o with { PerGaussianRecipe = PerGaussianRecipe.Bare });
        Assert.True(MembershipAgreement(gg) > 0.6, $"GG membership agreement {MembershipAgreement(gg):F3}");
        Assert.True(MembershipAgreement(bare) > 0.6, $"bare membership agreement {MembershipAgreement(bare):F3}");
        Assert.NotEqual(gg.GaussianIdentities, bare.GaussianIdentities);
    }

    [Fact]
    public void AgreementScoresARelabelledSegmentNearZero()
    {
        // Consensus = the true membership; view 0 labels segment 2 as 3, so a(0, 3) mixes and a(0, 2) has no pixel.
        int K = _s.Segments + 1;
        using var geometry = new FrozenGeometry(_s.Scene, "auto");
        var cams = _s.TrainViews.Select(v => geometry.View(v.Camera)).ToArray();
        var labels = _s.TrainGroundTruth.Select((g, i) =>
        {
            var l = i == 0 ? g.Select(x => x == 2 ? 3 : x).ToArray() : g;
            return (Tensor?)tensor(l.Select(x => (long)x).ToArray());
        }).ToArray();
        using var consensus = nn.functional.one_hot(tensor(_s.Membership.Select(m => (long)m).ToArray()), K).to(ScalarType.Float32);
        var a = SegmentAgreement.Compute(geometry, cams, labels, consensus, K, CancellationToken.None);
        try
        {
            var a0 = a[0]!.data<float>().ToArray();
            var a1 = a[1]!.data<float>().ToArray();
            Assert.Equal(0f, a0[0]);
            Assert.Equal(1f, a0[2]);                      // no pixel labelled 2 any more
            Assert.InRange(a0[3], 0.05f, 0.95f);          // half of what is labelled 3 is segment 2
            for (int k = 1; k < K; k++) Assert.InRange(a1[k], 0.85f, 1f);   // clean views agree
        }
        finally { foreach (var t in a) t?.Dispose(); foreach (var t in labels) t?.Dispose(); }
    }

    [Fact]
    public async Task BadMethodOptionsAreRejected()
    {
        var labels = new InMemoryLabelSource(Clean());
        var o = new SegmentOptions { Classes = _s.Segments + 1 };
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, labels, null, o with { AgreementWeightPower = -1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, labels, null,
            o with { GaussianGrouping = new GaussianGroupingOptions { RegularizerInterval = 0 } }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, labels, null,
            o with { GaussianGrouping = new GaussianGroupingOptions { EncodingLearningRate = 0 } }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Segmenter.SegmentAsync(_s.Scene, _s.TrainViews, labels, null, o with { PerGaussianRecipe = (PerGaussianRecipe)7 }));
    }
}
