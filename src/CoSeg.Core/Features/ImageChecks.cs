using static TorchSharp.torch;

namespace CoSeg.Features;

/// <summary>Shared validation of image tensors given to feature extractors.</summary>
internal static class ImageChecks
{
    /// <summary>Throws unless <paramref name="image"/> is H×W×3; returns it as a float32 1×3×H×W batch.</summary>
    public static Tensor ToBatch(Tensor image, string argName)
    {
        ArgumentNullException.ThrowIfNull(image, argName);
        if (image.ndim != 3 || image.shape[2] != 3)
            throw new ArgumentException($"{argName} must be an H×W×3 RGB image, got [{string.Join(",", image.shape)}].", argName);
        if (image.shape[0] < 1 || image.shape[1] < 1)
            throw new ArgumentException($"{argName} is empty.", argName);
        return image.to(ScalarType.Float32).permute(2, 0, 1).unsqueeze(0).contiguous();
    }
}
