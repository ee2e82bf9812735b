using static TorchSharp.torch;

namespace CoSeg.Evaluation;

/// <summary>Peak signal-to-noise ratio, 10·log10(max² / MSE), in decibels.</summary>
public static class Psnr
{
    /// <summary>
    /// PSNR between two images of the same shape (H×W or H×W×C, values in [0, <paramref name="maxValue"/>]).
    /// Returns +∞ for identical images.
    /// </summary>
    /// <param name="prediction">Rendered image.</param>
    /// <param name="target">Ground-truth image.</param>
    /// <param name="maxValue">Peak value of the range (1 for images in [0, 1]).</param>
    public static double Compute(Tensor prediction, Tensor target, double maxValue = 1.0)
    {
        ImageMetricsLayout.CheckPair(prediction, target, nameof(Psnr));
        if (!(maxValue > 0)) throw new ArgumentOutOfRangeException(nameof(maxValue), "maxValue must be positive.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double mse = (prediction.to_type(ScalarType.Float64) - target.to_type(ScalarType.Float64)).square().mean().item<double>();
        return FromMse(mse, maxValue);
    }

    /// <summary>PSNR of a given mean squared error: 10·log10(max² / mse).</summary>
    /// <param name="mse">Mean squared error (≥ 0).</param>
    /// <param name="maxValue">Peak value of the range.</param>
    public static double FromMse(double mse, double maxValue = 1.0)
    {
        if (double.IsNaN(mse) || mse < 0) throw new ArgumentOutOfRangeException(nameof(mse), $"MSE must be ≥ 0, got {mse}.");
        return 10.0 * Math.Log10(maxValue * maxValue / mse);
    }
}
