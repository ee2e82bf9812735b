using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// How far each view's 2D segments agree with a 3D consensus (the αT vote): for view v and label id k,
/// a_{v,k} = the fraction of v's pixels labelled k whose rendered consensus identity is k. A segment a view relabelled
/// or merged into a neighbour scores near 0, a split-off piece or a segment grown over its neighbour in between, an
/// intact one near 1. Used to weight the pixel loss per (view, segment), so systematically wrong views and segments
/// weigh less than the consensus of all views (<see cref="SegmentOptions.AgreementWeightPower"/>).
/// </summary>
internal static class SegmentAgreement
{
    /// <summary>
    /// Per view with labels, a K-vector of a_{v,k} (k with no pixel in the view: 1; k = 0: 0). <paramref name="consensus"/>
    /// is N×K per-Gaussian identity scores (e.g. the vote's one-hot decisions); its argmax over 1..K−1 of the rendered map is
    /// the consensus identity of a pixel. Streams one view at a time.
    /// </summary>
    public static Tensor?[] Compute(FrozenGeometry geometry, IReadOnlyList<ProjectionParams> views, IReadOnlyList<Tensor?> labels, Tensor consensus, int classes,
                                    CancellationToken ct)
    {
        var result = new Tensor?[views.Count];
        for (int v = 0; v < views.Count; v++)
        {
            ct.ThrowIfCancellationRequested();
            if (labels[v] is not { } packed) continue;
            using var scope = NewDisposeScope();
            var (image, _) = geometry.Render(consensus, views[v]);
            var pred = image.reshape(-1, classes)[TensorIndex.Colon, 1..].argmax(1) + 1;
            var l = LabelPacking.Unpack(packed);
            var total = zeros(classes).index_add(0, l, ones(l.shape[0]), 1);
            var agree = zeros(classes).index_add(0, l, pred.eq(l).to(ScalarType.Float32), 1);
            var a = (agree / total.clamp_min(1)).where(total.gt(0), ones(classes));
            a[0] = 0;
            result[v] = a.MoveToOuterDisposeScope();
        }
        return result;
    }
}
