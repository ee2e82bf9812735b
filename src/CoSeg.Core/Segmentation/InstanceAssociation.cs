using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Maps one view's per-view instance ids to the field's output channels: the overlap (pixel count) between each raw
/// id and each channel's rendered argmax region is maximised with the Hungarian algorithm (as Panoptic Lifting).
/// Raw ids that get no channel (more masks than channels) become 0 (ignored).
/// </summary>
public static class InstanceAssociation
{
    /// <summary>
    /// <paramref name="rawLabels"/>: P int64 per-view ids (0 = ignore); <paramref name="predicted"/>: P int64 channel
    /// ids in 1..K−1 (the field's current rendered identities); returns P int64 labels in channel ids.
    /// </summary>
    public static Tensor Associate(Tensor rawLabels, Tensor predicted, int classes)
    {
        using var scope = NewDisposeScope();
        var raw = rawLabels.reshape(-1).to(ScalarType.Int64);
        var pred = predicted.reshape(-1).to(ScalarType.Int64);
        if (raw.shape[0] != pred.shape[0]) throw new ArgumentException("rawLabels and predicted must have the same number of pixels.");
        var (ids, inverseN, _) = unique(raw, sorted: true, return_inverse: true);
        var idArr = ids.data<long>().ToArray();
        int a = idArr.Length;
        var inverse = inverseN!;
        var overlap = bincount(inverse * classes + pred.clamp(0, classes - 1), minlength: a * classes).reshape(a, classes);
        var ov = overlap.to(ScalarType.Float64).data<double>().ToArray();
        // Rows: raw ids ≠ 0; columns: channels 1..K−1.
        var rows = Enumerable.Range(0, a).Where(i => idArr[i] != 0).ToArray();
        var w = new double[rows.Length, classes - 1];
        for (int r = 0; r < rows.Length; r++)
            for (int c = 1; c < classes; c++) w[r, c - 1] = ov[rows[r] * classes + c];
        var assign = HungarianAlgorithm.SolveMaximum(w);
        var lut = new long[a];
        for (int r = 0; r < rows.Length; r++) lut[rows[r]] = assign[r] >= 0 ? assign[r] + 1 : 0;
        return tensor(lut).index_select(0, inverse).reshape(rawLabels.shape).MoveToOuterDisposeScope();
    }
}
