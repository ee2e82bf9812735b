using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>
/// Activated per-Gaussian inputs to a rasterizer backend. All tensors are float32, contiguous and on the same device.
/// </summary>
/// <param name="Means">N×3 world-space centres.</param>
/// <param name="Scales">N×3 scales (already exponentiated, &gt; 0).</param>
/// <param name="Quats">N×4 quaternions (w, x, y, z), normalised by the backend.</param>
/// <param name="Opacities">N opacities in [0, 1] (already passed through the sigmoid).</param>
/// <param name="Colors">N×C channels to blend (RGB, features, label logits; any C ≥ 1).</param>
internal sealed record RasterInputs(Tensor Means, Tensor Scales, Tensor Quats, Tensor Opacities, Tensor Colors)
{
    public long Count => Means.shape[0];
    public int Channels => (int)Colors.shape[1];
}
