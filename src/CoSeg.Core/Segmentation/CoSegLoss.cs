using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>The CoSeg loss terms (ours where the paper is silent; see docs METHOD.md): noise-robust pixel term and 3D neighbourhood KL.</summary>
public static class CoSegLoss
{
    /// <summary>log(0) substitute of symmetric CE's reverse term (A = −4 as in Wang et al.).</summary>
    public const double ReverseLogZero = -4.0;

    /// <summary>
    /// Mean pixel loss over pixels with label ≠ 0: <paramref name="logits"/> P×K, <paramref name="labels"/> P (int64,
    /// 0 = ignore). Returns a scalar (0 when no pixel is labelled). With <paramref name="weights"/> (P, ≥ 0), each pixel's
    /// loss is multiplied by its weight before the mean over labelled pixels (so a view with small weights counts less).
    /// </summary>
    public static Tensor Pixel(Tensor logits, Tensor labels, PixelLossKind kind, double reverseWeight = 0.5, double gceQ = 0.7, Tensor? weights = null)
    {
        using var scope = NewDisposeScope();
        var valid = labels.ne(0);
        long count = valid.sum().item<long>();
        if (count == 0) return (logits.sum() * 0).MoveToOuterDisposeScope();
        var l = logits[valid];
        var y = labels[valid];
        var logp = nn.functional.log_softmax(l, 1);
        var logpy = logp.gather(1, y.unsqueeze(1)).squeeze(1);
        Tensor perPixel = kind switch
        {
            PixelLossKind.CrossEntropy => -logpy,
            // reverse CE = −Σ_k p_k log q_k with log q = 0 at y and A elsewhere → −A·(1 − p_y)
            PixelLossKind.SymmetricCrossEntropy => -logpy + reverseWeight * (-ReverseLogZero) * (1 - logpy.exp()),
            PixelLossKind.GeneralizedCrossEntropy => (1 - (logpy * gceQ).exp()) / gceQ,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        if (weights is not null) perPixel = perPixel * weights[valid];
        return perPixel.mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Mean KL(p_i ‖ p_j) between each sampled Gaussian's distribution (<paramref name="centre"/> S×K logits) and each of
    /// its neighbours' (<paramref name="neighbors"/> S×k×K logits).
    /// </summary>
    public static Tensor NeighborKl(Tensor centre, Tensor neighbors)
    {
        using var scope = NewDisposeScope();
        var logpi = nn.functional.log_softmax(centre, 1).unsqueeze(1);
        var logpj = nn.functional.log_softmax(neighbors, 2);
        var kl = (logpi.exp() * (logpi - logpj)).sum(2);
        return kl.mean().MoveToOuterDisposeScope();
    }
}
