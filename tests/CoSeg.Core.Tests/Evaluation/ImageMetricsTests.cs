using CoSeg.Evaluation;
using static TorchSharp.torch;

namespace CoSeg.Tests.Evaluation;

public sealed class ImageMetricsTests
{
    private static Tensor RandomImage(int h, int w, int c, int seed)
    {
        var rng = new Random(seed);
        var data = new float[h * w * c];
        for (int i = 0; i < data.Length; i++) data[i] = (float)rng.NextDouble();
        return tensor(data).reshape(h, w, c);
    }

    [Fact]
    public void Psnr_OfKnownMse_MatchesClosedForm()
    {
        using var a = RandomImage(16, 20, 3, 1);
        // Alternate +d / −d: MSE is exactly d² whatever the image.
        const double d = 0.05;
        using var sign = (arange(16 * 20 * 3) % 2 * 2 - 1).to_type(ScalarType.Float32).reshape(16, 20, 3);
        using var b = a + sign * (float)d;
        double expected = -20 * Math.Log10(d); // 26.0206 dB
        Assert.Equal(expected, Psnr.Compute(b, a), 3);
        Assert.Equal(20.0, Psnr.FromMse(0.01), 10);
        Assert.True(double.IsPositiveInfinity(Psnr.Compute(a, a)));
    }

    [Fact]
    public void L1_MatchesDirectMean()
    {
        using var a = RandomImage(8, 9, 3, 2);
        using var b = RandomImage(8, 9, 3, 3);
        var x = a.data<float>().ToArray();
        var y = b.data<float>().ToArray();
        double expected = x.Zip(y, (p, q) => Math.Abs((double)p - q)).Average();
        Assert.Equal(expected, MeanAbsoluteError.Compute(a, b), 6);
    }

    [Fact]
    public void Ssim_IdenticalImages_IsOne()
    {
        using var a = RandomImage(24, 31, 3, 4);
        Assert.Equal(1.0, Ssim.Compute(a, a), 9);
    }

    [Fact]
    public void Ssim_ConstantShift_MatchesDirectComputation()
    {
        using var a = RandomImage(19, 23, 3, 5) * 0.8f;
        using var b = a + 0.1f;
        double direct = DirectSsim(a, b);
        double got = Ssim.Compute(a, b);
        Assert.Equal(direct, got, 6);
        Assert.True(got < 0.999, $"a shifted image must not score 1 (got {got})");
    }

    [Fact]
    public void Ssim_RandomPair_MatchesDirectComputation()
    {
        using var a = RandomImage(17, 21, 2, 6);
        using var b = RandomImage(17, 21, 2, 7);
        Assert.Equal(DirectSsim(a, b), Ssim.Compute(a, b), 6);
    }

    [Fact]
    public void Ssim_LossIsDifferentiable()
    {
        using var a = RandomImage(12, 12, 3, 8).requires_grad_(true);
        using var b = RandomImage(12, 12, 3, 9);
        using var loss = 1 - Ssim.Loss(a, b);
        loss.backward();
        Assert.NotNull(a.grad);
        Assert.True(a.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Metrics_RejectMismatchedShapes()
    {
        using var a = zeros(4, 4, 3);
        using var b = zeros(4, 5, 3);
        var e = Assert.Throws<ArgumentException>(() => Ssim.Compute(a, b));
        Assert.Contains("same shape", e.Message);
        Assert.Throws<ArgumentException>(() => Psnr.Compute(a, b));
    }

    /// <summary>
    /// Textbook SSIM written with plain loops: for each pixel and channel, Gaussian-weighted local means, variances and
    /// covariance over the 11×11 window with pixels outside the image counted as zero (the reference's zero padding).
    /// </summary>
    private static double DirectSsim(Tensor a, Tensor b)
    {
        int h = (int)a.shape[0], w = (int)a.shape[1], c = (int)a.shape[2];
        var x = a.contiguous().data<float>().ToArray();
        var y = b.contiguous().data<float>().ToArray();
        var g = new double[11];
        for (int i = 0; i < 11; i++) g[i] = Math.Exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
        double gs = g.Sum();
        for (int i = 0; i < 11; i++) g[i] /= gs;
        const double c1 = 1e-4, c2 = 9e-4;
        double total = 0;
        for (int ch = 0; ch < c; ch++)
        for (int r = 0; r < h; r++)
        for (int col = 0; col < w; col++)
        {
            double mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0;
            for (int dy = -5; dy <= 5; dy++)
            for (int dx = -5; dx <= 5; dx++)
            {
                int rr = r + dy, cc = col + dx;
                if (rr < 0 || rr >= h || cc < 0 || cc >= w) continue;
                double wt = g[dy + 5] * g[dx + 5];
                double p = x[(rr * w + cc) * c + ch], q = y[(rr * w + cc) * c + ch];
                mx += wt * p; my += wt * q; mxx += wt * p * p; myy += wt * q * q; mxy += wt * p * q;
            }
            double vx = mxx - mx * mx, vy = myy - my * my, cxy = mxy - mx * my;
            total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        }
        return total / (h * w * c);
    }
}
