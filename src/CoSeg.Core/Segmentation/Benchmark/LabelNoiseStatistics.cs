namespace CoSeg.Segmentation.Benchmark;

/// <summary>What the noise did to one true segment in one view, read from the labels (not from the generator).</summary>
public enum SegmentOutcome
{
    /// <summary>At least 90 % of the segment's pixels keep their id.</summary>
    Intact,
    /// <summary>The true id still labels most of the segment, but more than 10 % of it has another id or void (split or boundary error).</summary>
    Partial,
    /// <summary>Most of the segment carries one other non-void id (merged into a neighbour, or relabelled).</summary>
    Wrong,
    /// <summary>Most of the segment is void (dropped, or eroded away).</summary>
    Dropped,
}

/// <summary>Per-view effect of label noise: accuracy and the outcome of every true segment.</summary>
/// <param name="Accuracy">Fraction of the view's non-void true pixels whose noisy id equals the true id.</param>
/// <param name="Outcomes">Per true segment id present in the view, what happened to it.</param>
/// <param name="SegmentAccuracy">Per true segment id, the fraction of its pixels labelled correctly.</param>
public sealed record ViewNoiseStatistics(double Accuracy, IReadOnlyDictionary<int, SegmentOutcome> Outcomes, IReadOnlyDictionary<int, double> SegmentAccuracy);

/// <summary>Summary of label noise over the views of one scene.</summary>
/// <param name="Views">Number of views.</param>
/// <param name="PixelAccuracy">Accuracy over all non-void true pixels of all views.</param>
/// <param name="MeanViewAccuracy">Mean of the per-view accuracies.</param>
/// <param name="MinViewAccuracy">Lowest per-view accuracy.</param>
/// <param name="ViewsWithWrong">Fraction of views in which at least one segment is <see cref="SegmentOutcome.Wrong"/>.</param>
/// <param name="ViewsWithDropped">Fraction of views in which at least one segment is <see cref="SegmentOutcome.Dropped"/>.</param>
/// <param name="ViewsWithPartial">Fraction of views in which at least one segment is <see cref="SegmentOutcome.Partial"/>.</param>
/// <param name="ViewsMostlyWrong">Fraction of views whose accuracy is below 0.5.</param>
/// <param name="WrongBySegment">Per true segment id, the fraction of the views showing it in which it is <see cref="SegmentOutcome.Wrong"/>.</param>
/// <param name="AccuracyBySegment">Per true segment id, its pixel accuracy over all views.</param>
/// <param name="PurityBySegment">
/// Per true segment id, the fraction of its pixels that carry a non-void noisy label and whose label is right — the
/// share of correct votes a lifting method sees there (void pixels are not trained on, so they cast no vote).
/// </param>
public sealed record LabelNoiseSummary(int Views, double PixelAccuracy, double MeanViewAccuracy, double MinViewAccuracy,
    double ViewsWithWrong, double ViewsWithDropped, double ViewsWithPartial, double ViewsMostlyWrong,
    IReadOnlyDictionary<int, double> WrongBySegment, IReadOnlyDictionary<int, double> AccuracyBySegment,
    IReadOnlyDictionary<int, double> PurityBySegment);

/// <summary>
/// Measures what label noise did, per view and per true segment, by comparing noisy labels with the clean ones
/// (independent of how the noise was made, so any generator or real 2D model output can be compared).
/// </summary>
public static class LabelNoiseStatistics
{
    /// <summary>Fraction of a segment that must keep its id for it to count as <see cref="SegmentOutcome.Intact"/>.</summary>
    public const double IntactFraction = 0.9;

    /// <summary>Compares one view's noisy labels with its clean labels (same length; 0 = void).</summary>
    public static ViewNoiseStatistics View(int[] clean, int[] noisy)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(noisy);
        if (clean.Length != noisy.Length) throw new ArgumentException($"clean has {clean.Length} pixels, noisy {noisy.Length}.", nameof(noisy));
        // counts[true id][noisy id]
        var counts = new Dictionary<int, Dictionary<int, long>>();
        long total = 0, correct = 0;
        for (int i = 0; i < clean.Length; i++)
        {
            int t = clean[i];
            if (t == 0) continue;
            total++;
            if (noisy[i] == t) correct++;
            if (!counts.TryGetValue(t, out var row)) counts[t] = row = new Dictionary<int, long>();
            row[noisy[i]] = row.GetValueOrDefault(noisy[i]) + 1;
        }
        var outcomes = new Dictionary<int, SegmentOutcome>();
        var acc = new Dictionary<int, double>();
        foreach (var (t, row) in counts.OrderBy(kv => kv.Key))
        {
            long n = row.Values.Sum();
            double keep = row.GetValueOrDefault(t) / (double)n;
            int top = row.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).First().Key;
            acc[t] = keep;
            outcomes[t] = keep >= IntactFraction ? SegmentOutcome.Intact
                : top == t ? SegmentOutcome.Partial
                : top == 0 ? SegmentOutcome.Dropped
                : SegmentOutcome.Wrong;
        }
        return new ViewNoiseStatistics(total == 0 ? 1 : correct / (double)total, outcomes, acc);
    }

    /// <summary>Summarises the views (pairs of clean and noisy label maps).</summary>
    public static LabelNoiseSummary Summarise(IReadOnlyList<(int[] Clean, int[] Noisy)> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        if (views.Count == 0) throw new ArgumentException("no views given.", nameof(views));
        var per = views.Select(v => View(v.Clean, v.Noisy)).ToList();
        long total = 0, correct = 0;
        var segPixels = new Dictionary<int, (long Total, long Correct, long Labelled)>();
        foreach (var (c, n) in views)
            for (int i = 0; i < c.Length; i++)
            {
                if (c[i] == 0) continue;
                total++;
                bool ok = n[i] == c[i];
                if (ok) correct++;
                var s = segPixels.GetValueOrDefault(c[i]);
                segPixels[c[i]] = (s.Total + 1, s.Correct + (ok ? 1 : 0), s.Labelled + (n[i] != 0 ? 1 : 0));
            }
        double Frac(Func<ViewNoiseStatistics, bool> f) => per.Count(f) / (double)per.Count;
        var wrongBy = new Dictionary<int, double>();
        foreach (int id in segPixels.Keys.Order())
        {
            var shown = per.Where(p => p.Outcomes.ContainsKey(id)).ToList();
            wrongBy[id] = shown.Count == 0 ? 0 : shown.Count(p => p.Outcomes[id] == SegmentOutcome.Wrong) / (double)shown.Count;
        }
        return new LabelNoiseSummary(per.Count, total == 0 ? 1 : correct / (double)total, per.Average(p => p.Accuracy), per.Min(p => p.Accuracy),
            Frac(p => p.Outcomes.Values.Contains(SegmentOutcome.Wrong)), Frac(p => p.Outcomes.Values.Contains(SegmentOutcome.Dropped)),
            Frac(p => p.Outcomes.Values.Contains(SegmentOutcome.Partial)), Frac(p => p.Accuracy < 0.5),
            wrongBy, segPixels.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key, kv => kv.Value.Correct / (double)Math.Max(1, kv.Value.Total)),
            segPixels.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key, kv => kv.Value.Correct / (double)Math.Max(1, kv.Value.Labelled)));
    }
}
