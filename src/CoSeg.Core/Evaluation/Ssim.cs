using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Evaluation;

/// <summary>
/// Structural similarity (Wang et al. 2004) as the reference 3DGS trainer computes it: an 11×11 Gaussian window
/// (σ = 1.5) applied per channel with a TorchSharp depthwise conv2d and zero padding ("same" size), constants
/// C1 = (0.01·L)², C2 = (0.03·L)², and the mean of the SSIM map over all pixels and channels.
/// </summary>
public static class Ssim
{
    /// <summary>Window side length in pixels.</summary>
    public const int WindowSize = 11;
    /// <summary>Standard deviation of the Gaussian window in pixels.</summary>
    public const double Sigma = 1.5;

    /// <summary>The normalised 1D Gaussian window weights (sum 1), length <see cref="WindowSize"/>.</summary>
    public static double[] Window1D()
    {
        var w = new double[WindowSize];
        double sum = 0;
        for (int i = 0; i < WindowSize; i++)
        {
            double d = i - WindowSize / 2;
            w[i] = Math.Exp(-d * d / (2 * Sigma * Sigma));
            sum += w[i];
        }
        for (int i = 0; i < WindowSize; i++) w[i] /= sum;
        return w;
    }

    /// <summary>
    /// Differentiable mean SSIM (a scalar tensor) between two images of the same shape (H×W or H×W×C).
    /// </summary>
    /// <param name="prediction">Rendered image (may require grad).</param>
    /// <param name="target">Ground-truth image.</param>
    /// <param name="dynamicRange">Value range L of the images (1 for [0, 1]).</param>
    public static Tensor Loss(Tensor prediction, Tensor target, double dynamicRange = 1.0)
    {
        ImageMetricsLayout.CheckPair(prediction, target, nameof(Ssim));
        var x = ImageMetricsLayout.ToNchw(prediction);
        var y = ImageMetricsLayout.ToNchw(target).to_type(x.dtype);
        long channels = x.shape[1];
        var w1 = Window1D();
        var g = tensor(w1, dtype: x.dtype, device: x.device);
        var window = outer(g, g).expand(channels, 1, WindowSize, WindowSize).contiguous();
        Tensor Filter(Tensor t) => nn.functional.conv2d(t, window, padding: new long[] { WindowSize / 2, WindowSize / 2 }, groups: channels);

        var muX = Filter(x);
        var muY = Filter(y);
        var muX2 = muX * muX;
        var muY2 = muY * muY;
        var muXY = muX * muY;
        var sigmaX = Filter(x * x) - muX2;
        var sigmaY = Filter(y * y) - muY2;
        var sigmaXY = Filter(x * y) - muXY;
        double c1 = Math.Pow(0.01 * dynamicRange, 2), c2 = Math.Pow(0.03 * dynamicRange, 2);
        var map = (2 * muXY + c1) * (2 * sigmaXY + c2) / ((muX2 + muY2 + c1) * (sigmaX + sigmaY + c2));
        return map.mean();
    }

    /// <summary>
    /// Mean SSIM as a number, computed in float64 (by the native separable-window pass when libcoseg_native is loaded
    /// and L = 1, else by <see cref="Loss"/> on float64 copies).
    /// </summary>
    /// <param name="prediction">Rendered image.</param>
    /// <param name="target">Ground-truth image.</param>
    /// <param name="dynamicRange">Value range L of the images.</param>
    public static double Compute(Tensor prediction, Tensor target, double dynamicRange = 1.0)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        ImageMetricsLayout.CheckPair(prediction, target, nameof(Ssim));
        if (dynamicRange == 1.0 && prediction.device_type == DeviceType.CPU && NativeImageLoss.Available)
        {
            var p = prediction.detach().to_type(ScalarType.Float32).contiguous();
            var t = target.detach().to_type(ScalarType.Float32).contiguous();
            return NativeImageLoss.L1Ssim(p, t, 1.0, null).Ssim;
        }
        return Loss(prediction.to_type(ScalarType.Float64), target.to_type(ScalarType.Float64), dynamicRange).item<double>();
    }
}
