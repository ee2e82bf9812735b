using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>Gradients of a scalar loss with respect to every <see cref="RasterInputs"/> tensor.</summary>
internal sealed class RasterGradients : IDisposable
{
    public RasterGradients(Tensor means, Tensor scales, Tensor quats, Tensor opacities, Tensor colors, Tensor means2d)
    {
        Means = means; Scales = scales; Quats = quats; Opacities = opacities; Colors = colors; Means2d = means2d;
    }

    public Tensor Means { get; }      // N×3
    public Tensor Scales { get; }     // N×3
    public Tensor Quats { get; }      // N×4 (w.r.t. the unnormalised input quaternion)
    public Tensor Opacities { get; }  // N
    public Tensor Colors { get; }     // N×C
    /// <summary>N×2 gradient w.r.t. the projected 2D means in pixels (densification uses its norm).</summary>
    public Tensor Means2d { get; }

    public void Dispose()
    {
        Means.Dispose(); Scales.Dispose(); Quats.Dispose(); Opacities.Dispose(); Colors.Dispose(); Means2d.Dispose();
    }
}
