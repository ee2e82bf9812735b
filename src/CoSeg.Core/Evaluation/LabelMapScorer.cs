using static TorchSharp.torch;

namespace CoSeg.Evaluation;

/// <summary>
/// Scores predicted label maps against ground truth, one view at a time, in memory that does not grow with the views
/// (only the pixel counts per (ground truth, prediction) pair are kept). Ground-truth id 0 is void and ignored.
/// <list type="bullet">
/// <item><b>Void as a class</b>: a predicted 0 is a pixel no Gaussian covers; by default it is wrong, with
/// <see cref="VoidAs"/> &gt; 0 it counts as that id (e.g. the background class of a foreground/background split).</item>
/// <item><b>Instance matching</b>: with <see cref="MatchInstanceIds"/> the predicted ids are arbitrary, and are mapped
/// one-to-one to ground-truth ids maximising the total overlap over all views (<see cref="SegmentationLabelMatching"/>)
/// before mIoU and accuracy; panoptic quality never needs it (it matches segments by IoU &gt; 0.5).</item>
/// </list>
/// </summary>
public sealed class LabelMapScorer
{
    private readonly SegmentationConfusionMatrix _counts = new();

    /// <summary>A scorer; see <see cref="VoidAs"/> and <see cref="MatchInstanceIds"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="voidAs"/> is negative.</exception>
    public LabelMapScorer(bool matchInstanceIds = false, int voidAs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(voidAs);
        MatchInstanceIds = matchInstanceIds;
        VoidAs = voidAs;
    }

    /// <summary>Whether predicted ids are matched to ground-truth ids (instance labels) before mIoU and accuracy.</summary>
    public bool MatchInstanceIds { get; }

    /// <summary>The id a predicted 0 (uncovered pixel) counts as; 0 = it stays 0 and is wrong wherever the truth is labelled.</summary>
    public int VoidAs { get; }

    /// <summary>Views added so far.</summary>
    public int Views { get; private set; }

    /// <summary>Adds one view as equal-length row-major id arrays.</summary>
    /// <exception cref="ArgumentException">The arrays differ in length.</exception>
    public void Add(ReadOnlySpan<int> groundTruth, ReadOnlySpan<int> predicted)
    {
        if (groundTruth.Length != predicted.Length)
            throw new ArgumentException($"ground truth has {groundTruth.Length} pixels but the prediction has {predicted.Length}.", nameof(predicted));
        if (VoidAs == 0) _counts.Add(groundTruth, predicted);
        else
        {
            var p = predicted.ToArray();
            for (int i = 0; i < p.Length; i++) if (p[i] == 0) p[i] = VoidAs;
            _counts.Add(groundTruth, p);
        }
        Views++;
    }

    /// <summary>Adds one view as two integer tensors of the same shape (e.g. H×W label maps on any device).</summary>
    /// <exception cref="ArgumentException">The shapes differ, or a tensor is not of an integer type.</exception>
    public void Add(Tensor groundTruth, Tensor predicted)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(predicted);
        if (!groundTruth.shape.SequenceEqual(predicted.shape))
            throw new ArgumentException($"ground truth has shape [{string.Join(",", groundTruth.shape)}] but the prediction has [{string.Join(",", predicted.shape)}].", nameof(predicted));
        if (groundTruth.is_floating_point() || predicted.is_floating_point() || groundTruth.is_complex() || predicted.is_complex())
            throw new ArgumentException("label maps must be integer tensors.", nameof(predicted));
        Add(ToIds(groundTruth), ToIds(predicted));
    }

    /// <summary>The scores of the views added so far (NaN entries when nothing labelled was seen).</summary>
    public SegmentationScores Score()
    {
        var pq = SegmentationPanopticQuality.Compute(_counts);
        var counts = _counts;
        if (MatchInstanceIds)
        {
            var map = SegmentationLabelMatching.Match(_counts);
            counts = new SegmentationConfusionMatrix();
            foreach (var (g, p, n) in _counts.Entries)
                counts.Add(g, p == 0 ? 0 : map.TryGetValue(p, out int m) ? m : -1, n);
        }
        return new SegmentationScores(counts.MeanIoU, counts.Accuracy, pq.PQ, Views, counts.ClassIoU);
    }

    private static int[] ToIds(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(CPU).to(ScalarType.Int32).reshape(-1).contiguous().data<int>().ToArray();
    }
}
