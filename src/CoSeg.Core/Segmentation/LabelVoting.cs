using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// The training-free αT vote (as FlashSplat/LUDVIG lift 2D labels): every Gaussian's label histogram
/// h_g[k] = Σ_views Σ_pixels w_gp·[label_p = k], w_gp = α_g(p)·T_g(p), computed view by view with the backend's
/// transpose pass. Label 0 (ignore; also every pixel the scene covers with alpha below
/// <see cref="SegmentOptions.MinPixelAlpha"/>) casts no vote, so identities are always in 1..K−1.
/// </summary>
internal static class LabelVoting
{
    /// <summary>Adds <paramref name="sign"/>·Σ_p w_gp·onehot(label_p) (channel 0 zeroed) to <paramref name="votes"/> (N×K).</summary>
    public static void Add(FrozenGeometry geometry, ProjectionParams view, Tensor labels, Tensor votes, int classes, float sign = 1f)
    {
        using var scope = NewDisposeScope();
        var onehot = nn.functional.one_hot(LabelPacking.Unpack(labels).reshape(view.Height, view.Width), classes).to(ScalarType.Float32);
        onehot[TensorIndex.Ellipsis, 0] = 0;
        if (sign == 1f)
        {
            geometry.Unproject(view, onehot.contiguous(), votes, zeros(geometry.Count));
            return;
        }
        var part = zeros(geometry.Count, classes);
        geometry.Unproject(view, onehot.contiguous(), part, zeros(geometry.Count));
        votes.add_(part, sign);
    }

    /// <summary>The histogram over every labelled view (null entries are skipped).</summary>
    public static Tensor Histogram(FrozenGeometry geometry, IReadOnlyList<ProjectionParams> views, IReadOnlyList<Tensor?> labels, int classes,
                                   IProgress<SegmentProgress>? progress, CancellationToken ct)
    {
        var votes = zeros(geometry.Count, classes);
        for (int v = 0; v < views.Count; v++)
        {
            ct.ThrowIfCancellationRequested();
            if (labels[v] is { } l) Add(geometry, views[v], l, votes, classes);
            progress?.Report(new SegmentProgress("vote", v + 1, views.Count, double.NaN));
        }
        return votes;
    }

    /// <summary>
    /// Identities from a histogram: argmax over 1..K−1, confidence = the winner's share of the Gaussian's votes.
    /// A Gaussian without votes (no view blends it at a labelled pixel) takes the argmax of the summed vote shares of its
    /// <paramref name="knn"/> neighbours (row-major N×k), confidence 0; with no voted neighbour either, identity 1.
    /// Returns identities, confidences, one-hot logits (N×K: rendering them gives the αT-weighted majority of the
    /// Gaussian identities at each pixel) and the number of Gaussians without votes.
    /// </summary>
    public static (Tensor Logits, float[] Confidences, int Unseen) Decide(Tensor votes, int[] knn, int k)
    {
        using var scope = NewDisposeScope();
        long n = votes.shape[0];
        int classes = (int)votes.shape[1];
        var fg = votes[TensorIndex.Colon, 1..];
        var mass = fg.sum(1);
        var seen = mass.gt(0);
        var share = fg / mass.clamp_min(1e-30).unsqueeze(1) * seen.unsqueeze(1);
        int unseen = (int)seen.logical_not().sum().item<long>();
        var (best, arg) = share.max(1);
        var id = arg + 1;
        var conf = best.clone();
        if (unseen > 0 && k > 0)
        {
            var nb = tensor(knn.Select(i => (long)i).ToArray(), new long[] { n, k });
            var nbShare = share.index_select(0, nb.reshape(-1)).reshape(n, k, classes - 1).sum(1);
            var nbId = nbShare.argmax(1) + 1;
            var hasNb = nbShare.sum(1).gt(0);
            id = id.where(seen, nbId.where(hasNb, ones_like(nbId)));
            conf = conf.where(seen, zeros_like(conf));
        }
        var logits = nn.functional.one_hot(id, classes).to(ScalarType.Float32);
        return (logits.MoveToOuterDisposeScope(), conf.data<float>().ToArray(), unseen);
    }
}
