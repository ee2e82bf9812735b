namespace CoSeg.Evaluation;

/// <summary>
/// Scene-level panoptic quality PQ^scene (Panoptic Lifting, Siddiqui et al. 2023): a segment is the union of an
/// id's pixels over all views of the scene; predicted and ground-truth segments match when their IoU (over all views,
/// predicted pixels on void ground truth excluded) exceeds 0.5; per class PQ = Σ_TP IoU / (|TP| + ½|FP| + ½|FN|),
/// averaged over classes. Without class information all segments are one class (class-agnostic PQ).
/// </summary>
public static class SegmentationPanopticQuality
{
    /// <summary>Result of <see cref="Compute(SegmentationConfusionMatrix, Func{int, int}, Func{int, int})"/>.</summary>
    /// <param name="PQ">Panoptic quality in [0, 1].</param>
    /// <param name="SQ">Segmentation quality: mean IoU of matches.</param>
    /// <param name="RQ">Recognition quality: |TP| / (|TP| + ½|FP| + ½|FN|).</param>
    /// <param name="TruePositives">Matched segments.</param>
    /// <param name="FalsePositives">Unmatched predicted segments.</param>
    /// <param name="FalseNegatives">Unmatched ground-truth segments.</param>
    public sealed record Result(double PQ, double SQ, double RQ, int TruePositives, int FalsePositives, int FalseNegatives);

    /// <summary>
    /// Computes PQ^scene over per-view (ground truth, prediction) instance maps (0 = void / no prediction).
    /// <paramref name="gtClass"/> and <paramref name="predClass"/> give each segment's semantic class (null = one class).
    /// </summary>
    public static Result Compute(IEnumerable<(int[] GroundTruth, int[] Predicted)> views,
                                 Func<int, int>? gtClass = null, Func<int, int>? predClass = null)
    {
        ArgumentNullException.ThrowIfNull(views);
        var counts = new SegmentationConfusionMatrix();
        foreach (var (g, p) in views)
        {
            if (g.Length != p.Length) throw new ArgumentException("a view's ground truth and prediction differ in size.", nameof(views));
            counts.Add(g, p);
        }
        return Compute(counts, gtClass, predClass);
    }

    /// <summary>
    /// PQ^scene from pixel counts accumulated over the views (the counts are all it needs: ground-truth segment areas,
    /// predicted areas on labelled pixels and their overlaps). Predicted id 0 is "no prediction".
    /// </summary>
    public static Result Compute(SegmentationConfusionMatrix counts, Func<int, int>? gtClass = null, Func<int, int>? predClass = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var inter = new Dictionary<(int, int), long>();
        var gtArea = new Dictionary<int, long>();
        var predArea = new Dictionary<int, long>();    // only on non-void ground truth
        foreach (var (g, p, n) in counts.Entries)
        {
            gtArea[g] = gtArea.GetValueOrDefault(g) + n;
            if (p == 0) continue;
            predArea[p] = predArea.GetValueOrDefault(p) + n;
            inter[(g, p)] = n;
        }
        gtClass ??= _ => 0; predClass ??= _ => 0;
        var classes = gtArea.Keys.Select(gtClass).Concat(predArea.Keys.Select(predClass)).Distinct().ToList();
        double pqSum = 0, sqSum = 0, rqSum = 0; int tpAll = 0, fpAll = 0, fnAll = 0, counted = 0;
        foreach (int c in classes)
        {
            var gs = gtArea.Keys.Where(k => gtClass(k) == c).ToHashSet();
            var ps = predArea.Keys.Where(k => predClass(k) == c).ToHashSet();
            double iouSum = 0; int tp = 0;
            var matchedG = new HashSet<int>(); var matchedP = new HashSet<int>();
            foreach (var ((gi, pi), n) in inter)
            {
                if (!gs.Contains(gi) || !ps.Contains(pi)) continue;
                double iou = (double)n / (gtArea[gi] + predArea[pi] - n);
                if (iou > 0.5) { iouSum += iou; tp++; matchedG.Add(gi); matchedP.Add(pi); }   // IoU > 0.5 ⇒ unique match
            }
            int fp = ps.Count - matchedP.Count, fn = gs.Count - matchedG.Count;
            if (tp + fp + fn == 0) continue;
            double denom = tp + 0.5 * fp + 0.5 * fn;
            pqSum += iouSum / denom; sqSum += tp > 0 ? iouSum / tp : 0; rqSum += tp / denom;
            tpAll += tp; fpAll += fp; fnAll += fn; counted++;
        }
        return counted == 0 ? new Result(double.NaN, double.NaN, double.NaN, 0, 0, 0)
            : new Result(pqSum / counted, sqSum / counted, rqSum / counted, tpAll, fpAll, fnAll);
    }
}
