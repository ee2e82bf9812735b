using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// Per-Gaussian statistics gathered between densification steps: the sum of view-space (NDC) position-gradient norms
/// over the views where the Gaussian was visible, the number of such views, and the largest screen radius seen.
/// </summary>
internal sealed class DensificationStats : IDisposable
{
    public DensificationStats(long count) => Reset(count);

    /// <summary>Σ over visible views of ‖∂L/∂mean2d‖ in NDC units.</summary>
    public Tensor GradAccum { get; private set; } = null!;
    /// <summary>Number of views in which each Gaussian was visible.</summary>
    public Tensor Denom { get; private set; } = null!;
    /// <summary>Largest screen radius (pixels) seen since the last reset.</summary>
    public Tensor MaxRadii { get; private set; } = null!;

    /// <summary>Zeroes the statistics for <paramref name="count"/> Gaussians.</summary>
    public void Reset(long count)
    {
        GradAccum?.Dispose(); Denom?.Dispose(); MaxRadii?.Dispose();
        GradAccum = zeros(count).DetachFromDisposeScope();
        Denom = zeros(count).DetachFromDisposeScope();
        MaxRadii = zeros(count).DetachFromDisposeScope();
    }

    /// <summary>
    /// Adds one view. <paramref name="means2dGradPixels"/> is N×2 in pixel units; it is converted to the reference's NDC
    /// units by multiplying x by W/2 and y by H/2 (pixel = ((ndc + 1)·W − 1)/2). <paramref name="radii"/> is N (0 = not visible).
    /// </summary>
    public void Add(Tensor means2dGradPixels, Tensor radii, int width, int height)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var visible = radii.gt(0);
        var scale = tensor(new float[] { width * 0.5f, height * 0.5f });
        var norm = (means2dGradPixels.to_type(ScalarType.Float32) * scale).norm(1);
        GradAccum.add_(where(visible, norm, zeros_like(norm)));
        Denom.add_(visible.to_type(ScalarType.Float32));
        MaxRadii.copy_(where(visible, maximum(MaxRadii, radii.to_type(ScalarType.Float32)), MaxRadii));
    }

    /// <summary>Average gradient norm per Gaussian (0 where never visible).</summary>
    public Tensor AverageGrad()
    {
        var avg = GradAccum / Denom.clamp_min(1);
        return avg;
    }

    public void Dispose()
    {
        GradAccum?.Dispose(); Denom?.Dispose(); MaxRadii?.Dispose();
    }
}
