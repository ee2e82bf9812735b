using CoSeg.Geometry;
using CoSeg.Segmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Segmentation;

public class BlendWeightRasterizerTests
{
    private static readonly double[] Identity = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };

    private static BlendWeightRasterizer.Geometry RandomGeometry(int n, int seed)
    {
        var rng = new Random(seed);
        var m = new float[n * 3]; var s = new float[n * 3]; var q = new float[n * 4]; var o = new float[n];
        for (int i = 0; i < n; i++)
        {
            m[3 * i] = (float)(rng.NextDouble() - 0.5); m[3 * i + 1] = (float)(rng.NextDouble() - 0.5); m[3 * i + 2] = (float)(3 + i * 0.37);
            for (int c = 0; c < 3; c++) s[3 * i + c] = (float)(0.1 + 0.3 * rng.NextDouble());
            for (int c = 0; c < 4; c++) q[4 * i + c] = (float)(rng.NextDouble() - 0.3);
            o[i] = (float)(0.3 + 0.69 * rng.NextDouble());
        }
        return new BlendWeightRasterizer.Geometry(m, s, q, o);
    }

    /// <summary>Dense reference of docs/rasterizer.md for a one-tile image (every visible Gaussian covers the tile).</summary>
    private static (double[,] W, double[] Alpha) DenseReference(BlendWeightRasterizer.Geometry g, Camera cam)
    {
        int n = g.Count, P = cam.Width * cam.Height;
        var w = new double[P, n]; var alpha = new double[P];
        var order = Enumerable.Range(0, n).OrderBy(i => g.Means[3 * i + 2]).ToArray();   // identity rotation: z = depth
        var conic = new (double A, double B, double C, double U, double V)[n];
        foreach (int i in order)
        {
            double qw = g.Quats[4 * i], qx = g.Quats[4 * i + 1], qy = g.Quats[4 * i + 2], qz = g.Quats[4 * i + 3];
            double qn = Math.Sqrt(qw * qw + qx * qx + qy * qy + qz * qz); qw /= qn; qx /= qn; qy /= qn; qz /= qn;
            var R = new double[,] { { 1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qw * qz), 2 * (qx * qz + qw * qy) },
                                    { 2 * (qx * qy + qw * qz), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qw * qx) },
                                    { 2 * (qx * qz - qw * qy), 2 * (qy * qz + qw * qx), 1 - 2 * (qx * qx + qy * qy) } };
            var S = new double[3, 3];
            for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) for (int c = 0; c < 3; c++)
                S[a, b] += R[a, c] * g.Scales[3 * i + c] * g.Scales[3 * i + c] * R[b, c];
            double x = g.Means[3 * i], y = g.Means[3 * i + 1], z = g.Means[3 * i + 2];
            var J = new double[,] { { cam.Fx / z, 0, -cam.Fx * x / (z * z) }, { 0, cam.Fy / z, -cam.Fy * y / (z * z) } };
            var C2 = new double[2, 2];
            for (int a = 0; a < 2; a++) for (int b = 0; b < 2; b++) for (int c = 0; c < 3; c++) for (int d = 0; d < 3; d++)
                C2[a, b] += J[a, c] * S[c, d] * J[b, d];
            C2[0, 0] += 0.3; C2[1, 1] += 0.3;
            double det = C2[0, 0] * C2[1, 1] - C2[0, 1] * C2[0, 1];
            conic[i] = (C2[1, 1] / det, -C2[0, 1] / det, C2[0, 0] / det, cam.Fx * x / z + cam.Cx, cam.Fy * y / z + cam.Cy);
        }
        for (int row = 0; row < cam.Height; row++)
            for (int col = 0; col < cam.Width; col++)
            {
                double T = 1;
                foreach (int i in order)
                {
                    var (A, B, C, U, V) = conic[i];
                    double dx = U - (col + 0.5), dy = V - (row + 0.5);
                    double power = -0.5 * (A * dx * dx + C * dy * dy) - B * dx * dy;
                    if (power > 0) continue;
                    double al = Math.Min(0.99, g.Opacities[i] * Math.Exp(power));
                    if (al < 1.0 / 255) continue;
                    if (T * (1 - al) < 1e-4) break;
                    w[row * cam.Width + col, i] = al * T;
                    T *= 1 - al;
                }
                alpha[row * cam.Width + col] = 1 - T;
            }
        return (w, alpha);
    }

    [Fact]
    public void WeightsMatchDenseReferenceOnOneTile()
    {
        var g = RandomGeometry(7, 3);
        var cam = new Camera(16, 16, 20, 20, 8, 8, Identity, new double[] { 0, 0, 0 });
        using var vw = BlendWeightRasterizer.Compute(g, cam);
        var (w, alpha) = DenseReference(g, cam);
        var got = new double[256, 7];
        for (int c = 0; c < vw.Count; c++) got[vw.PixelIndex[c], vw.GaussianIndex[c]] += vw.Weights[c];
        for (int p = 0; p < 256; p++)
        {
            for (int i = 0; i < 7; i++) Assert.Equal(w[p, i], got[p, i], 4);
            Assert.Equal(alpha[p], vw.AlphaValues[p], 4);
        }
        Assert.True(vw.Count > 256, "the Gaussians should overlap");
    }

    [Fact]
    public void RenderAndUnprojectAreAdjoint()
    {
        var g = RandomGeometry(12, 5);
        var cam = new Camera(40, 36, 30, 30, 20, 18, Identity, new double[] { 0, 0, 0 });
        using var vw = BlendWeightRasterizer.Compute(g, cam);
        var gen = new Generator(1);
        using var ch = randn(new long[] { 12, 3 }, generator: gen);
        using var f = randn(new long[] { 36, 40, 3 }, generator: gen);
        using var img = vw.Render(ch);
        using var fs = zeros(12, 3); using var ws = zeros(12);
        vw.Unproject(f, fs, ws);
        double lhs = (img * f).sum().item<float>(), rhs = (ch * fs).sum().item<float>();
        Assert.Equal(lhs, rhs, 3);
        // Rendering ones gives the accumulated alpha.
        using var ones = torch.ones(12, 1);
        using var a = vw.Render(ones);
        Assert.True(torch.allclose(a.squeeze(2), vw.Alpha, 1e-5, 1e-5));
        // Visible-subset rendering equals full rendering.
        using var sub = ch.index_select(0, vw.Visible);
        using var img2 = vw.RenderVisible(sub);
        Assert.True(torch.allclose(img, img2, 1e-6, 1e-6));
    }

    [Fact]
    public void GaussiansBehindTheCameraAreCulled()
    {
        var g = new BlendWeightRasterizer.Geometry(new float[] { 0, 0, -2, 0, 0, 2 }, new float[] { .2f, .2f, .2f, .2f, .2f, .2f },
                                                   new float[] { 1, 0, 0, 0, 1, 0, 0, 0 }, new float[] { 0.9f, 0.9f });
        var cam = new Camera(32, 32, 30, 30, 16, 16, Identity, new double[] { 0, 0, 0 });
        using var vw = BlendWeightRasterizer.Compute(g, cam);
        Assert.DoesNotContain(0, vw.GaussianIndex);
        Assert.Contains(1, vw.GaussianIndex);
    }
}
