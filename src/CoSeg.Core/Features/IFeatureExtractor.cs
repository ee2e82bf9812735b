using static TorchSharp.torch;

namespace CoSeg.Features;

/// <summary>A 2D feature backbone: RGB image → per-pixel feature map.</summary>
public interface IFeatureExtractor
{
    /// <summary>Short name for logs ("builtin", "torchscript:model.pt").</summary>
    string Name { get; }

    /// <summary>
    /// Features of <paramref name="image"/> (H×W×3 float32 RGB in [0, 1]) as a C×h×w float32 map (h, w may be smaller
    /// than H, W; callers upsample bilinearly to the view's size). The returned tensor is owned by the caller.
    /// </summary>
    Tensor Extract(Tensor image);
}
