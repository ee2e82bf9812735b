using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>Outputs of a backend's forward pass, plus whatever the backend keeps for its backward pass.</summary>
internal sealed class RasterForward : IDisposable
{
    public RasterForward(Tensor colors, Tensor alpha, Tensor depth, Tensor radii, IDisposable? state)
    {
        Colors = colors; Alpha = alpha; Depth = depth; Radii = radii; State = state;
    }

    /// <summary>H×W×C blended channels, background included.</summary>
    public Tensor Colors { get; }
    /// <summary>H×W accumulated opacity, 1 − T_final.</summary>
    public Tensor Alpha { get; }
    /// <summary>H×W accumulated depth Σ wᵢ zᵢ (divide by <see cref="Alpha"/> for expected depth).</summary>
    public Tensor Depth { get; }
    /// <summary>N int32 screen-space radii in pixels; 0 means culled / not visible.</summary>
    public Tensor Radii { get; }
    /// <summary>Backend-specific saved state (projections, sorted lists, per-pixel final T and last index).</summary>
    public IDisposable? State { get; }

    public void Dispose()
    {
        Colors.Dispose(); Alpha.Dispose(); Depth.Dispose(); Radii.Dispose(); State?.Dispose();
    }
}
