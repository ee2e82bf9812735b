using CoSeg.Evaluation;
using static TorchSharp.torch;

namespace CoSeg.Tests.Evaluation;

/// <summary>
/// <see cref="LabelMapScorer"/> (counts only, view by view) against the per-pixel references: the confusion matrix on
/// the raw maps, <see cref="SegmentationLabelMatching.Apply"/> on every pixel for instance ids, and a brute-force
/// scene-level PQ written out here from its definition.
/// </summary>
public sealed class LabelMapScorerTests
{
    private static List<(int[] Gt, int[] Pred)> RandomViews(int seed, int views, int pixels, int gtIds, int predIds, Func<int, int>? relabel = null)
    {
        var rng = new Random(seed);
        var list = new List<(int[], int[])>();
        for (int v = 0; v < views; v++)
        {
            var g = new int[pixels]; var p = new int[pixels];
            for (int i = 0; i < pixels; i++)
            {
                g[i] = rng.Next(gtIds);                                    // 0 = void
                int correct = relabel is null ? g[i] : relabel(g[i]);
                p[i] = rng.NextDouble() < 0.7 ? correct : rng.Next(predIds);  // 0 = uncovered
            }
            list.Add((g, p));
        }
        return list;
    }

    /// <summary>PQ^scene from its definition: segments are ids over all views, IoU on labelled pixels, match at IoU &gt; 0.5.</summary>
    private static double BruteForcePq(List<(int[] Gt, int[] Pred)> views)
    {
        var gts = views.SelectMany(v => v.Gt).Where(g => g != 0).Distinct().ToList();
        var preds = views.SelectMany(v => v.Gt.Zip(v.Pred)).Where(x => x.First != 0 && x.Second != 0).Select(x => x.Second).Distinct().ToList();
        double iouSum = 0; int tp = 0;
        var matchedG = new HashSet<int>(); var matchedP = new HashSet<int>();
        foreach (int g in gts)
            foreach (int p in preds)
            {
                long inter = 0, union = 0;
                foreach (var (gt, pr) in views)
                    for (int i = 0; i < gt.Length; i++)
                    {
                        if (gt[i] == 0) continue;
                        bool a = gt[i] == g, b = pr[i] == p;
                        if (a && b) inter++;
                        if (a || b) union++;
                    }
                double iou = (double)inter / union;
                if (iou > 0.5) { iouSum += iou; tp++; matchedG.Add(g); matchedP.Add(p); }
            }
        int fp = preds.Count - matchedP.Count, fn = gts.Count - matchedG.Count;
        return iouSum / (tp + 0.5 * fp + 0.5 * fn);
    }

    [Fact]
    public void Semantic_MatchesConfusionMatrixAndBruteForcePq()
    {
        var views = RandomViews(seed: 1, views: 5, pixels: 300, gtIds: 5, predIds: 6);
        var scorer = new LabelMapScorer();
        var reference = new SegmentationConfusionMatrix();
        foreach (var (g, p) in views) { scorer.Add(g, p); reference.Add(g, p); }
        var s = scorer.Score();
        Assert.Equal(5, s.Views);
        Assert.Equal(reference.MeanIoU, s.MeanIoU, 12);
        Assert.Equal(reference.Accuracy, s.Accuracy, 12);
        Assert.Equal(reference.ClassIoU, s.ClassIoU);
        Assert.Equal(BruteForcePq(views), s.PQ, 12);
        Assert.True(s.MeanIoU is > 0.3 and < 0.95, $"mIoU {s.MeanIoU} should be informative");
    }

    [Fact]
    public void Instance_MatchesPerPixelRelabelling()
    {
        // Predicted ids are a permutation of the truth's (instance labels), plus noise.
        int[] perm = { 0, 7, 3, 9, 4 };
        var views = RandomViews(seed: 2, views: 4, pixels: 400, gtIds: 5, predIds: 10, relabel: g => perm[g]);
        var scorer = new LabelMapScorer(matchInstanceIds: true);
        foreach (var (g, p) in views) scorer.Add(g, p);
        var s = scorer.Score();

        var map = SegmentationLabelMatching.Match(views.Select(v => (v.Gt, v.Pred)));
        var reference = new SegmentationConfusionMatrix();
        foreach (var (g, p) in views) reference.Add(g, SegmentationLabelMatching.Apply(p, map));
        Assert.Equal(reference.MeanIoU, s.MeanIoU, 12);
        Assert.Equal(reference.Accuracy, s.Accuracy, 12);
        Assert.Equal(BruteForcePq(views), s.PQ, 12);
        Assert.True(s.Accuracy > 0.6, $"matching should undo the permutation, accuracy {s.Accuracy}");

        var unmatched = new LabelMapScorer();
        foreach (var (g, p) in views) unmatched.Add(g, p);
        Assert.True(unmatched.Score().Accuracy < 0.3, "without matching the permuted ids are wrong");
    }

    [Fact]
    public void VoidAs_CountsUncoveredPixelsAsThatId()
    {
        // gt:   1 1 2 2 0
        // pred: 1 0 2 0 0   → with void-as 2: 1 2 2 2 2
        var gt = new[] { 1, 1, 2, 2, 0 };
        var pred = new[] { 1, 0, 2, 0, 0 };
        var plain = new LabelMapScorer();
        plain.Add(gt, pred);
        Assert.Equal(0.5, plain.Score().Accuracy, 12);
        var background = new LabelMapScorer(voidAs: 2);
        background.Add(gt, pred);
        var s = background.Score();
        Assert.Equal(0.75, s.Accuracy, 12);
        Assert.Equal(0.5, s.ClassIoU[1], 12);        // TP 1, FN 1
        Assert.Equal(2.0 / 3, s.ClassIoU[2], 12);    // TP 2, FP 1
        Assert.Equal(new[] { 1, 0, 2, 0, 0 }, pred);  // the caller's array is not modified
    }

    [Fact]
    public void TensorOverload_EqualsArrayOverload()
    {
        var views = RandomViews(seed: 3, views: 2, pixels: 12 * 10, gtIds: 4, predIds: 4);
        var a = new LabelMapScorer();
        var b = new LabelMapScorer();
        foreach (var (g, p) in views)
        {
            a.Add(g, p);
            using var gt = tensor(g.Select(x => (long)x).ToArray(), new long[] { 12, 10 });
            using var pr = tensor(p.Select(x => (byte)x).ToArray(), new long[] { 12, 10 });
            b.Add(gt, pr);
        }
        Assert.Equal(a.Score().MeanIoU, b.Score().MeanIoU, 15);
        Assert.Equal(a.Score().PQ, b.Score().PQ, 15);
    }

    [Fact]
    public void BadInput_Throws()
    {
        var s = new LabelMapScorer();
        Assert.Throws<ArgumentException>(() => s.Add(new[] { 1, 2 }, new[] { 1 }));
        using var a = zeros(new long[] { 2, 3 }, ScalarType.Int64);
        using var b = zeros(new long[] { 3, 2 }, ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => s.Add(a, b));
        using var f = zeros(new long[] { 2, 3 });
        Assert.Throws<ArgumentException>(() => s.Add(a, f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LabelMapScorer(voidAs: -1));
        Assert.Equal(0, s.Views);
        Assert.True(double.IsNaN(s.Score().MeanIoU));
    }
}
