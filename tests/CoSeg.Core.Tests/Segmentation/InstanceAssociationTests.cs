using CoSeg.Rendering;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using static TorchSharp.torch;
using Xunit.Abstractions;

namespace CoSeg.Tests.Segmentation;

public class InstanceAssociationTests(InstanceAssociationTests.TinyScene scene, ITestOutputHelper output) : IClassFixture<InstanceAssociationTests.TinyScene>
{
    /// <summary>A small generated scene with its frozen geometry and the projection of each training view.</summary>
    public sealed class TinyScene : IDisposable
    {
        public SyntheticSegmentationScene S { get; } = SyntheticSegmentationScene.Create(new SyntheticSceneOptions
        {
            Objects = 4, Density = 220, TrainViews = 10, TestViews = 1, ImageSize = 40, Seed = 3,
        });
        internal FrozenGeometry Geometry { get; }
        internal List<ProjectionParams> Views { get; }
        public TinyScene()
        {
            Geometry = new FrozenGeometry(S.Scene, "auto");
            Views = S.TrainViews.Select(v => Geometry.View(v.Camera)).ToList();
        }
        public void Dispose() { Geometry.Dispose(); S.Dispose(); }
    }

    private int Classes => scene.S.Segments + 4;

    /// <summary>Consensus returns packed labels; the checks read int64.</summary>
    private static List<Tensor?> Unpacked(Tensor?[] packed)
    {
        var r = packed.Select(t => t is null ? null : (Tensor?)t.to(ScalarType.Int64)).ToList();
        foreach (var t in packed) t?.Dispose();
        return r;
    }

    private List<Tensor?> PermutedLabels(LabelNoiseOptions noise, int seed)
    {
        var rng = new Random(seed);
        return scene.S.TrainGroundTruth.Select(gt => (Tensor?)tensor(
            LabelNoiseGenerator.Corrupt(gt, 40, 40, scene.S.Segments, noise with { PermuteIds = true }, rng).Select(v => (long)v).ToArray())).ToList();
    }

    /// <summary>
    /// Fraction of (view, true segment) pairs whose segment's pixels mostly got the channel that the segment gets over
    /// all views (the true permutation recovered up to one global renaming), and whether that global map is one-to-one.
    /// </summary>
    private (double Recovered, bool OneToOne) Recovery(IReadOnlyList<Tensor?> mapped)
    {
        int m = scene.S.Segments;
        var perView = new List<Dictionary<int, long>>();
        for (int v = 0; v < mapped.Count; v++)
        {
            var gt = scene.S.TrainGroundTruth[v];
            var ch = mapped[v]!.data<long>().ToArray();
            var d = new Dictionary<int, long>();
            for (int s = 1; s <= m; s++)
            {
                var px = Enumerable.Range(0, gt.Length).Where(p => gt[p] == s && ch[p] != 0).Select(p => ch[p]).ToList();
                if (px.Count >= 20) d[s] = px.GroupBy(c => c).MaxBy(gr => gr.Count())!.Key;
            }
            perView.Add(d);
        }
        var global = Enumerable.Range(1, m).ToDictionary(s => s, s => perView.Where(d => d.ContainsKey(s)).Select(d => d[s])
            .GroupBy(c => c).MaxBy(gr => gr.Count())?.Key ?? -1);
        int ok = perView.Sum(d => d.Count(kv => global[kv.Key] == kv.Value)), all = perView.Sum(d => d.Count);
        return ((double)ok / all, global.Values.Distinct().Count() == m);
    }

    [Fact]
    public void RecoversPermutedIdsAndIgnoresZero()
    {
        // predicted channels: 1 1 2 2 3 3 ; raw ids use an unrelated numbering 7 7 4 4 9 0
        using var pred = tensor(new long[] { 1, 1, 2, 2, 3, 3 });
        using var raw = tensor(new long[] { 7, 7, 4, 4, 9, 0 });
        using var mapped = InstanceAssociation.Associate(raw, pred, 5);
        Assert.Equal(new long[] { 1, 1, 2, 2, 3, 0 }, mapped.data<long>().ToArray());
    }

    [Fact]
    public void ExtraMasksBeyondChannelsAreIgnored()
    {
        using var pred = tensor(new long[] { 1, 1, 1, 1 });
        using var raw = tensor(new long[] { 5, 5, 5, 6 });
        using var mapped = InstanceAssociation.Associate(raw, pred, 2);   // only channel 1 exists
        Assert.Equal(new long[] { 1, 1, 1, 0 }, mapped.data<long>().ToArray());
    }

    [Fact]
    public void SoftOverlapSendsUncoveredIdsToAFreeChannel()
    {
        // id 5 lies on channel 1's mass (0.9 of it); id 8 has no mass at all (an object no other view has seen): it
        // must take whichever channel is free, since its missing mass counts for free channels only.
        using var dist = tensor(new double[] { 0, 0.9, 0.1, 0, /**/ 0, 0.9, 0, 0.1, /**/ 0, 0, 0, 0, /**/ 0, 0, 0, 0 }).reshape(4, 4);
        using var raw = tensor(new long[] { 5, 5, 8, 8 });
        foreach (int free in new[] { 2, 3 })
        {
            using var mapped = InstanceAssociation.AssociateSoft(raw, dist, 4, Enumerable.Range(0, 4).Select(c => c == free).ToArray());
            Assert.Equal(new long[] { 1, 1, free, free }, mapped.data<long>().ToArray());
        }
    }

    [Fact]
    public void ConsensusRecoversCleanPermutationsOnEveryView()
    {
        var labels = PermutedLabels(LabelNoiseOptions.None, 11);
        var mapped = Unpacked(InstanceAssociation.Consensus(scene.Geometry, scene.Views, labels, Classes, 2, default));
        // Control: matching against an uninformative prediction (what an untrained shared decoder renders: one
        // identity everywhere) assigns ids arbitrarily, so the recovery measure must drop.
        var constant = labels.Select(l => (Tensor?)InstanceAssociation.Associate(l!, ones_like(l!), Classes)).ToList();
        try
        {
            var (rec, oneToOne) = Recovery(mapped);
            var (recConst, _) = Recovery(constant);
            output.WriteLine($"consensus recovery {rec:F3} (one-to-one {oneToOne}), constant-prediction control {recConst:F3}");
            Assert.Equal(1.0, rec);
            Assert.True(oneToOne);
            Assert.True(recConst < 0.8, $"control recovery {recConst:F3}");
        }
        finally { foreach (var t in labels.Concat(mapped).Concat(constant)) t?.Dispose(); }
    }

    /// <summary>The best association given the truth: each view's ids matched to the true segments (Hungarian on overlap).</summary>
    private List<Tensor?> Oracle(IReadOnlyList<Tensor?> labels)
    {
        var res = new List<Tensor?>();
        for (int v = 0; v < labels.Count; v++)
        {
            var gt = scene.S.TrainGroundTruth[v];
            var raw = labels[v]!.data<long>().ToArray();
            var ids = raw.Where(x => x != 0).Distinct().ToArray();
            var w = new double[ids.Length, scene.S.Segments];
            for (int p = 0; p < raw.Length; p++)
                if (raw[p] != 0 && gt[p] != 0) w[Array.IndexOf(ids, raw[p]), gt[p] - 1]++;
            var a = HungarianAlgorithm.SolveMaximum(w);
            res.Add(tensor(raw.Select(x => x == 0 ? 0L : a[Array.IndexOf(ids, x)] + 1L).ToArray()));
        }
        return res;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ConsensusRecoversPermutationsAsWellAsTheTruthAllowsUnderLowNoise(int seed)
    {
        // Merges, splits and relabels make some (view, segment) pairs unrecoverable even knowing the truth, so the
        // reference is the oracle association (ids matched to the true segments), scored the same way.
        var labels = PermutedLabels(LabelNoiseOptions.Low, seed);
        var mapped = Unpacked(InstanceAssociation.Consensus(scene.Geometry, scene.Views, labels, Classes, 2, default));
        var oracle = Oracle(labels);
        try
        {
            var (rec, oneToOne) = Recovery(mapped);
            var (recO, _) = Recovery(oracle);
            output.WriteLine($"low noise, seed {seed}: consensus recovery {rec:F3} (one-to-one {oneToOne}), oracle {recO:F3}");
            Assert.True(rec >= recO - 0.05, $"consensus recovery {rec:F3} vs oracle {recO:F3}");
            Assert.True(oneToOne);
        }
        finally { foreach (var t in labels.Concat(mapped).Concat(oracle)) t?.Dispose(); }
    }
}
