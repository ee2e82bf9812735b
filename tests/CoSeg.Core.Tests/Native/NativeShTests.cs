using CoSeg.Rendering.Native;
using static CoSeg.Tests.Native.NativeTestScenes;
using static TorchSharp.torch;

namespace CoSeg.Tests.Native;

/// <summary>Native SH evaluation (Inria conventions) against a plain double-precision evaluation and finite differences.</summary>
public class NativeShTests
{
    // Real SH basis written out term by term (Inria 3DGS sign conventions).
    private static double[] Basis(double x, double y, double z)
    {
        double xx = x * x, yy = y * y, zz = z * z;
        return new[]
        {
            0.28209479177387814,
            -0.4886025119029199 * y, 0.4886025119029199 * z, -0.4886025119029199 * x,
            1.0925484305920792 * x * y, -1.0925484305920792 * y * z, 0.31539156525252005 * (2 * zz - xx - yy),
            -1.0925484305920792 * x * z, 0.5462742152960396 * (xx - yy),
            -0.5900435899266435 * y * (3 * xx - yy), 2.890611442640554 * x * y * z,
            -0.4570457994644658 * y * (4 * zz - xx - yy), 0.3731763325901154 * z * (2 * zz - 3 * xx - 3 * yy),
            -0.4570457994644658 * x * (4 * zz - xx - yy), 1.445305721320277 * z * (xx - yy),
            -0.5900435899266435 * x * (xx - 3 * yy),
        };
    }

    private static double[] Eval(double[] means, double[] sh, int n, int k, int degree, double[] cam)
    {
        var nb = (degree + 1) * (degree + 1);
        var rgb = new double[3 * n];
        for (var i = 0; i < n; i++)
        {
            double dx = means[3 * i] - cam[0], dy = means[3 * i + 1] - cam[1], dz = means[3 * i + 2] - cam[2];
            var len = Math.Sqrt(dx * dx + dy * dy + dz * dz);
            var b = Basis(dx / len, dy / len, dz / len);
            for (var c = 0; c < 3; c++)
            {
                var s = 0.5;
                for (var j = 0; j < nb; j++) s += b[j] * sh[(i * k + j) * 3 + c];
                rgb[3 * i + c] = Math.Max(s, 0);
            }
        }
        return rgb;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ShForwardAndBackwardMatchReference(int degree)
    {
        using var scope = NewDisposeScope();
        const int n = 40, k = 16;
        var rng = new Random(degree + 40);
        var means = Enumerable.Range(0, 3 * n).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        var sh = Enumerable.Range(0, n * k * 3).Select(_ => (rng.NextDouble() * 2 - 1) * 0.6).ToArray();
        for (var i = 0; i < 4; i++) sh[i * k * 3] = -3;  // a few red channels clamp at 0 (zero gradient there)
        var cam = new[] { 0.3, -0.2, -3.0 };
        var expected = Eval(means, sh, n, k, degree, cam);
        Assert.Contains(expected, v => v == 0);
        var backend = NativeBackends.Get(false);
        var rgb = backend.ShForward(T(sh, n, k, 3), T(means, n, 3), (cam[0], cam[1], cam[2]), degree);
        Assert.True(RelErr(D(rgb), expected) < 1e-5, $"SH rel err {RelErr(D(rgb), expected)}");

        var grgb = Enumerable.Range(0, 3 * n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        // The backward writes the active coefficients only and adds into the means gradient (start it at 1).
        var gSh = zeros(n, k, 3);
        var gMeansAcc = ones(n, 3);
        backend.ShBackward(T(sh, n, k, 3), T(means, n, 3), (cam[0], cam[1], cam[2]), degree, T(grgb, n, 3), gSh, gMeansAcc);
        var gMeans = gMeansAcc - 1;
        double L(double[] m, double[] s) => Eval(m, s, n, k, degree, cam).Zip(grgb, (a, b) => a * b).Sum();
        const double h = 1e-6;
        var fdSh = new double[sh.Length];
        for (var j = 0; j < sh.Length; j++)
        {
            var keep = sh[j];
            sh[j] = keep + h; var up = L(means, sh); sh[j] = keep - h; var down = L(means, sh); sh[j] = keep;
            fdSh[j] = (up - down) / (2 * h);
        }
        var fdM = new double[means.Length];
        for (var j = 0; j < means.Length; j++)
        {
            var keep = means[j];
            means[j] = keep + h; var up = L(means, sh); means[j] = keep - h; var down = L(means, sh); means[j] = keep;
            fdM[j] = (up - down) / (2 * h);
        }
        Assert.True(RelErr(D(gSh), fdSh) < 1e-4, $"d/dsh rel err {RelErr(D(gSh), fdSh)}");
        if (degree == 0) Assert.Equal(0f, gMeans.abs().max().item<float>());
        else Assert.True(RelErr(D(gMeans), fdM) < 1e-3, $"d/dmeans rel err {RelErr(D(gMeans), fdM)}");
    }

    [Fact]
    public void BadShArgumentsAreRejected()
    {
        using var scope = NewDisposeScope();
        var backend = NativeBackends.Get(false);
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.ShForward(zeros(2, 16, 3), zeros(2, 3), (0, 0, 0), 4));
        var ex = Assert.Throws<ArgumentException>(() => backend.ShForward(zeros(2, 4, 3), zeros(2, 3), (0, 0, 0), 2));
        Assert.Contains("sh", ex.Message);
    }
}
