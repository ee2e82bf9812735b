using CoSeg.Common;

namespace CoSeg.Evaluation;

/// <summary>
/// For instance-style predictions whose ids are arbitrary: a one-to-one map from predicted ids to ground-truth ids
/// maximising total pixel overlap over all views (Hungarian). Unmatched predicted ids map to −1 (never correct).
/// </summary>
public static class SegmentationLabelMatching
{
    /// <summary>Computes the predicted → ground-truth id map (ground-truth 0 = void is ignored).</summary>
    public static IReadOnlyDictionary<int, int> Match(IEnumerable<(int[] GroundTruth, int[] Predicted)> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        var m = new SegmentationConfusionMatrix();
        foreach (var (g, p) in views) m.Add(g, p);
        return Match(m);
    }

    /// <summary>The same map from pixel counts accumulated over the views.</summary>
    public static IReadOnlyDictionary<int, int> Match(SegmentationConfusionMatrix m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var gts = m.Entries.Select(e => e.Gt).Distinct().Order().ToArray();
        var preds = m.Entries.Select(e => e.Pred).Where(p => p != 0).Distinct().Order().ToArray();
        var w = new double[preds.Length, gts.Length];
        for (int i = 0; i < preds.Length; i++) for (int j = 0; j < gts.Length; j++) w[i, j] = m[gts[j], preds[i]];
        var a = HungarianAlgorithm.SolveMaximum(w);
        var map = new Dictionary<int, int>();
        for (int i = 0; i < preds.Length; i++) map[preds[i]] = a[i] >= 0 && w[i, a[i]] > 0 ? gts[a[i]] : -1;
        return map;
    }

    /// <summary>Applies a map from <see cref="Match(SegmentationConfusionMatrix)"/> (ids absent from the map and 0 stay as they are, except absent → −1).</summary>
    public static int[] Apply(int[] predicted, IReadOnlyDictionary<int, int> map)
        => predicted.Select(p => p == 0 ? 0 : map.TryGetValue(p, out int g) ? g : -1).ToArray();
}
