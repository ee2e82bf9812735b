using static TorchSharp.torch;

namespace CoSeg.Features;

/// <summary>Per-Gaussian features lifted from 2D feature maps; owns its tensors.</summary>
public sealed class UnprojectedFeatures : IDisposable
{
    internal UnprojectedFeatures(Tensor features, Tensor weights)
    {
        Features = features; Weights = weights;
        using var seen = weights.gt(0);
        Seen = seen.data<bool>().ToArray();
        UnseenCount = Seen.Count(s => !s);
    }

    /// <summary>N×C blending-weight-averaged features (zero for Gaussians no view sees).</summary>
    public Tensor Features { get; }
    /// <summary>N total blending weight Σ w_gp over all views and pixels.</summary>
    public Tensor Weights { get; }
    /// <summary>Per Gaussian: whether any view blends it (total weight &gt; 0).</summary>
    public bool[] Seen { get; }
    /// <summary>Number of Gaussians seen by no view (flagged, zero features).</summary>
    public int UnseenCount { get; }

    /// <inheritdoc />
    public void Dispose() { Features.Dispose(); Weights.Dispose(); }
}
