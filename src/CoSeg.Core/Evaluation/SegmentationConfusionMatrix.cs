namespace CoSeg.Evaluation;

/// <summary>
/// Pixel confusion counts between ground-truth and predicted label maps, accumulated over views. Ground-truth id 0
/// is "void" and ignored; a prediction of 0 on a labelled pixel counts as wrong.
/// </summary>
public sealed class SegmentationConfusionMatrix
{
    private readonly Dictionary<(int Gt, int Pred), long> _counts = new();

    /// <summary>Adds one view (equal-length flat label arrays).</summary>
    public void Add(ReadOnlySpan<int> groundTruth, ReadOnlySpan<int> predicted)
    {
        if (groundTruth.Length != predicted.Length)
            throw new ArgumentException($"groundTruth has {groundTruth.Length} pixels but predicted has {predicted.Length}.", nameof(predicted));
        for (int i = 0; i < groundTruth.Length; i++)
        {
            if (groundTruth[i] == 0) continue;
            var key = (groundTruth[i], predicted[i]);
            _counts[key] = _counts.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>Adds <paramref name="count"/> pixels of ground truth <paramref name="gt"/> (≠ 0) predicted as <paramref name="pred"/>.</summary>
    internal void Add(int gt, int pred, long count)
    {
        if (gt == 0 || count == 0) return;
        _counts[(gt, pred)] = _counts.GetValueOrDefault((gt, pred)) + count;
    }

    /// <summary>Pixels counted (ground truth ≠ 0).</summary>
    public long Total => _counts.Values.Sum();

    /// <summary>Count of pixels with ground truth <paramref name="gt"/> predicted as <paramref name="pred"/>.</summary>
    public long this[int gt, int pred] => _counts.GetValueOrDefault((gt, pred));

    /// <summary>All (gt, pred, count) entries.</summary>
    public IEnumerable<(int Gt, int Pred, long Count)> Entries => _counts.Select(kv => (kv.Key.Gt, kv.Key.Pred, kv.Value));

    /// <summary>Fraction of labelled pixels predicted correctly (NaN when none).</summary>
    public double Accuracy
    {
        get
        {
            long total = Total;
            return total == 0 ? double.NaN : (double)_counts.Where(kv => kv.Key.Gt == kv.Key.Pred).Sum(kv => kv.Value) / total;
        }
    }

    /// <summary>Per ground-truth class c: IoU = TP / (TP + FP + FN), FP counted on labelled pixels only.</summary>
    public IReadOnlyDictionary<int, double> ClassIoU
    {
        get
        {
            var classes = _counts.Keys.Select(k => k.Gt).Distinct().Order();
            var res = new Dictionary<int, double>();
            foreach (int c in classes)
            {
                long tp = this[c, c];
                long gt = _counts.Where(kv => kv.Key.Gt == c).Sum(kv => kv.Value);
                long pr = _counts.Where(kv => kv.Key.Pred == c).Sum(kv => kv.Value);
                res[c] = (double)tp / (gt + pr - tp);
            }
            return res;
        }
    }

    /// <summary>Mean IoU over the ground-truth classes present (NaN when none).</summary>
    public double MeanIoU
    {
        get { var c = ClassIoU; return c.Count == 0 ? double.NaN : c.Values.Average(); }
    }
}
