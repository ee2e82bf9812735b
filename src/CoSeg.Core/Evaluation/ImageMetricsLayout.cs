using static TorchSharp.torch;

namespace CoSeg.Evaluation;

/// <summary>Shared argument checks and layout conversion for the image metrics (PSNR, SSIM, L1).</summary>
internal static class ImageMetricsLayout
{
    /// <summary>Checks two images have the same shape, are float tensors and are H×W or H×W×C.</summary>
    public static void CheckPair(Tensor prediction, Tensor target, string? metric)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        if (!prediction.shape.SequenceEqual(target.shape))
            throw new ArgumentException(
                $"{metric}: prediction [{string.Join(",", prediction.shape)}] and target [{string.Join(",", target.shape)}] must have the same shape.",
                nameof(target));
        if (prediction.ndim is not (2 or 3))
            throw new ArgumentException($"{metric}: images must be H×W or H×W×C, got [{string.Join(",", prediction.shape)}].", nameof(prediction));
        if (!prediction.is_floating_point() || !target.is_floating_point())
            throw new ArgumentException($"{metric}: images must be floating-point tensors.", nameof(prediction));
    }

    /// <summary>H×W or H×W×C → 1×C×H×W (a view when possible).</summary>
    public static Tensor ToNchw(Tensor image)
        => image.ndim == 2 ? image.unsqueeze(0).unsqueeze(0) : image.permute(2, 0, 1).unsqueeze(0);
}
