using CoSeg.Evaluation;

namespace CoSeg.Tests.Segmentation;

public class SegmentationMetricsTests
{
    [Fact]
    public void MeanIoUAndAccuracyMatchHandComputation()
    {
        // gt:   1 1 1 2 2 0
        // pred: 1 1 2 2 0 1   (last pixel void → ignored)
        var m = new SegmentationConfusionMatrix();
        m.Add(new[] { 1, 1, 1, 2, 2, 0 }, new[] { 1, 1, 2, 2, 0, 1 });
        // class 1: TP 2, FN 1, FP 0 → 2/3; class 2: TP 1, FN 1 (pred 0), FP 1 → 1/3
        Assert.Equal(2.0 / 3, m.ClassIoU[1], 12);
        Assert.Equal(1.0 / 3, m.ClassIoU[2], 12);
        Assert.Equal(0.5, m.MeanIoU, 12);
        Assert.Equal(3.0 / 5, m.Accuracy, 12);
        Assert.Equal(5, m.Total);
    }

    [Fact]
    public void LabelMatchingMapsArbitraryIds()
    {
        var views = new List<(int[], int[])> { (new[] { 1, 1, 2, 2 }, new[] { 9, 9, 5, 5 }), (new[] { 2, 1 }, new[] { 5, 7 }) };
        var map = SegmentationLabelMatching.Match(views);
        Assert.Equal(1, map[9]); Assert.Equal(2, map[5]); Assert.Equal(-1, map[7]);
        Assert.Equal(new[] { 2, -1, 0 }, SegmentationLabelMatching.Apply(new[] { 5, 7, 0 }, map));
    }

    [Fact]
    public void PanopticQualityMatchesHandComputation()
    {
        // View A: gt segment 1 = 4 px, segment 2 = 2 px. Prediction: id 10 covers gt1's 4 px + 1 px of gt2; id 11 covers 1 px of gt2.
        // View B: gt segment 3 = 3 px unpredicted (FN); prediction 12 on 2 px of void (ignored) and 1 px of gt3.
        var a = (new[] { 1, 1, 1, 1, 2, 2 }, new[] { 10, 10, 10, 10, 10, 11 });
        var b = (new[] { 3, 3, 3, 0, 0 }, new[] { 12, 0, 0, 12, 12 });
        var r = SegmentationPanopticQuality.Compute(new[] { a, b });
        // IoU(1,10) = 4/5 → TP. gt2 vs 11: 1/2 not > 0.5 → FN; 11 FP. gt3 vs 12: 1/3 → FN; 12 FP (area counted on non-void only = 1).
        Assert.Equal(1, r.TruePositives); Assert.Equal(2, r.FalsePositives); Assert.Equal(2, r.FalseNegatives);
        Assert.Equal(0.8 / (1 + 1 + 1), r.PQ, 12);
        Assert.Equal(0.8, r.SQ, 12);
    }

    [Fact]
    public void PanopticQualityPerfectIsOne()
    {
        var r = SegmentationPanopticQuality.Compute(new[] { (new[] { 1, 2, 2, 0 }, new[] { 5, 6, 6, 9 }) });
        Assert.Equal(1.0, r.PQ, 12);
    }
}
