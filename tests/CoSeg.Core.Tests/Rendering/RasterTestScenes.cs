using CoSeg.Geometry;
using CoSeg.Rendering;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

/// <summary>Random activated Gaussian sets for rasterizer tests, with the awkward cases mixed in.</summary>
internal static class RasterTestScenes
{
    /// <summary>A camera at the origin looking along +z (identity pose), slightly off-centre principal point.</summary>
    public static Camera Camera(int w, int h) =>
        new(w, h, 0.9 * w, 0.95 * w, 0.5 * w + 1.3, 0.5 * h - 0.7, new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 0 });

    /// <summary>
    /// n Gaussians in front of the camera (depth 1.5–6), ~5 % behind it, some straddling the image border,
    /// some tiny (&lt; 1 px) and a few huge; distinct depths.
    /// </summary>
    public static RasterInputs Random(int n, int channels, int seed, ScalarType dtype = ScalarType.Float32, Camera? cam = null)
    {
        var rng = new Random(seed);
        var means = new double[n * 3]; var scales = new double[n * 3]; var quats = new double[n * 4];
        var opac = new double[n]; var cols = new double[n * channels];
        for (int i = 0; i < n; i++)
        {
            double z = 1.5 + 4.5 * rng.NextDouble();
            if (rng.NextDouble() < 0.05) z = -z;                             // behind the camera
            double spread = rng.NextDouble() < 0.2 ? 0.75 : 0.5;             // some straddle the borders
            means[3 * i] = (rng.NextDouble() * 2 - 1) * spread * Math.Abs(z);
            means[3 * i + 1] = (rng.NextDouble() * 2 - 1) * spread * Math.Abs(z);
            means[3 * i + 2] = z;
            double kind = rng.NextDouble();
            double s = kind < 0.1 ? 0.002 : kind > 0.97 ? 0.8 : 0.02 + 0.1 * rng.NextDouble();
            for (int k = 0; k < 3; k++) scales[3 * i + k] = s * (0.5 + rng.NextDouble());
            for (int k = 0; k < 4; k++) quats[4 * i + k] = rng.NextDouble() * 2 - 1;
            opac[i] = 0.05 + 0.9 * rng.NextDouble();
            for (int k = 0; k < channels; k++) cols[channels * i + k] = rng.NextDouble();
        }
        return new RasterInputs(
            torch.tensor(means, dtype: dtype).reshape(n, 3), torch.tensor(scales, dtype: dtype).reshape(n, 3),
            torch.tensor(quats, dtype: dtype).reshape(n, 4), torch.tensor(opac, dtype: dtype),
            torch.tensor(cols, dtype: dtype).reshape(n, channels));
    }

    /// <summary>‖a − b‖ / ‖b‖ (relative Frobenius norm), with a tiny floor on ‖b‖.</summary>
    public static double RelErr(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        var a64 = a.to(ScalarType.Float64); var b64 = b.to(ScalarType.Float64);
        double num = (a64 - b64).norm().item<double>();
        double den = b64.norm().item<double>();
        return num / Math.Max(den, 1e-12);
    }
}
