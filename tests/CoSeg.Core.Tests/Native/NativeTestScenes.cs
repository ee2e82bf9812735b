using CoSeg.Geometry;
using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Tests.Native;

/// <summary>Random test scenes (with Gaussians behind the camera, across the borders, tiny and huge) and conversions.</summary>
internal static class NativeTestScenes
{
    public static DCamera Camera(int w, int h, int seed)
    {
        var rng = new Random(seed);
        // a mildly rotated camera looking down +z
        double ax = (rng.NextDouble() - 0.5) * 0.3, ay = (rng.NextDouble() - 0.5) * 0.3;
        double cx = Math.Cos(ax), sx = Math.Sin(ax), cy = Math.Cos(ay), sy = Math.Sin(ay);
        double[] rx = { 1, 0, 0, 0, cx, -sx, 0, sx, cx };
        double[] ry = { cy, 0, sy, 0, 1, 0, -sy, 0, cy };
        var r = new double[9];
        for (var i = 0; i < 3; i++) for (var j = 0; j < 3; j++) for (var k = 0; k < 3; k++) r[3 * i + j] += rx[3 * i + k] * ry[3 * k + j];
        return new DCamera(w, h, 0.9 * w, 0.95 * w, w / 2.0 + 1.3, h / 2.0 - 0.7, r, new[] { 0.05, -0.02, 0.1 });
    }

    public static Camera ToCamera(DCamera c) => new(c.W, c.H, c.Fx, c.Fy, c.Cx, c.Cy, c.R, c.T);

    /// <summary>Random scene whose Gaussians are expressed in camera space then moved to world space.</summary>
    public static DScene Random(int n, int channels, int seed, DCamera cam, bool extremes = true)
    {
        var rng = new Random(seed);
        var s = new DScene
        {
            Means = new double[3 * n], Scales = new double[3 * n], Quats = new double[4 * n],
            Opacities = new double[n], Colors = new double[n * channels], C = channels,
        };
        for (var i = 0; i < n; i++)
        {
            var z = 2 + 4 * rng.NextDouble();
            // projected position spread a bit beyond the image so Gaussians straddle the borders
            var u = (rng.NextDouble() * 1.3 - 0.15) * cam.W;
            var v = (rng.NextDouble() * 1.3 - 0.15) * cam.H;
            double px = (u - cam.Cx) / cam.Fx * z, py = (v - cam.Cy) / cam.Fy * z;
            var scale = Math.Exp(-3.2 + 1.2 * rng.NextDouble());
            if (extremes)
            {
                var kind = i % 10;
                if (kind == 0) z = -1 - rng.NextDouble();            // behind the camera
                if (kind == 1) scale = 2e-3;                         // tiny
                if (kind == 2 && i % 20 == 2) scale = 0.8;           // huge
            }
            var pc = new[] { px, py, z };
            for (var a = 0; a < 3; a++)
            {
                // world = R^T (pc - t)
                double acc = 0;
                for (var b = 0; b < 3; b++) acc += cam.R[3 * b + a] * (pc[b] - cam.T[b]);
                s.Means[3 * i + a] = acc;
                s.Scales[3 * i + a] = scale * Math.Exp(0.6 * (rng.NextDouble() - 0.5));
            }
            for (var a = 0; a < 4; a++) s.Quats[4 * i + a] = rng.NextDouble() * 2 - 1;
            s.Quats[4 * i] += 0.5;
            s.Opacities[i] = 0.05 + 0.9 * rng.NextDouble();
            for (var c = 0; c < channels; c++) s.Colors[i * channels + c] = rng.NextDouble();
        }
        return s;
    }

    public static Tensor T(double[] values, params long[] shape) => tensor(values.Select(v => (float)v).ToArray(), shape);

    public static RasterInputs Inputs(DScene s) => new(
        T(s.Means, s.N, 3), T(s.Scales, s.N, 3), T(s.Quats, s.N, 4), T(s.Opacities, s.N), T(s.Colors, s.N, s.C));

    public static double[] D(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    /// <summary>‖a − b‖ / ‖b‖ (or ‖a‖ when b is zero).</summary>
    public static double RelErr(double[] a, double[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double num = 0, den = 0;
        for (var i = 0; i < a.Length; i++) { num += (a[i] - b[i]) * (a[i] - b[i]); den += b[i] * b[i]; }
        return den == 0 ? Math.Sqrt(num) : Math.Sqrt(num / den);
    }
}
