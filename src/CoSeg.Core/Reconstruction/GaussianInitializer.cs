using CoSeg.Gaussians;
using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// Initial Gaussians for training, as the reference trainer makes them: one isotropic Gaussian per point, scale =
/// sqrt(mean squared distance to the 3 nearest neighbours) (at least sqrt(1e-7)), identity rotation, a fixed opacity
/// and the DC colour from the point colour (higher SH coefficients zero).
/// </summary>
public static class GaussianInitializer
{
    /// <summary>The zeroth SH basis constant, 1 / (2·sqrt(π)); colour = C0·dc + 0.5.</summary>
    public const double ShC0 = 0.28209479177387814;

    /// <summary>Scene from a point cloud.</summary>
    /// <param name="points">N×3 positions.</param>
    /// <param name="colors">N×3 RGB in [0,1], or null for mid grey.</param>
    /// <param name="shDegree">SH degree of the scene (0–3); coefficients above DC start at zero.</param>
    /// <param name="initialOpacity">Opacity of every Gaussian, in (0,1).</param>
    public static GaussianScene FromPoints(Tensor points, Tensor? colors, int shDegree, double initialOpacity = 0.1)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.ndim != 2 || points.shape[1] != 3 || points.shape[0] < 1)
            throw new ArgumentException($"points must be N×3 with N ≥ 1, got [{string.Join(",", points.shape)}].", nameof(points));
        if (colors is not null && !colors.shape.SequenceEqual(points.shape))
            throw new ArgumentException($"colors must be N×3 like points, got [{string.Join(",", colors.shape)}].", nameof(colors));
        if (shDegree is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(shDegree), $"SH degree must be 0–3, got {shDegree}.");
        if (!(initialOpacity is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(initialOpacity), "Initial opacity must be in (0,1).");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var xyz = points.detach().to_type(ScalarType.Float32).cpu().contiguous();
        if (!isfinite(xyz).all().item<bool>()) throw new ArgumentException("points contain NaN or infinite values.", nameof(points));
        long n = xyz.shape[0];
        var msd = NearestNeighbors.MeanSquaredDistances(xyz.data<float>().ToArray(), 3);
        var logScale = tensor(msd).clamp_min(1e-7f).sqrt().log().unsqueeze(1).repeat(1, 3);
        var rot = zeros(n, 4); rot[.., 0] = 1f;
        float logit = (float)Math.Log(initialOpacity / (1 - initialOpacity));
        var opac = full(n, logit);
        int k = (shDegree + 1) * (shDegree + 1);
        var sh = zeros(n, k, 3);
        var rgb = colors is null ? full(n, 3, 0.5f) : colors.detach().to_type(ScalarType.Float32).cpu().clamp(0, 1);
        sh[.., 0, ..] = (rgb - 0.5f) / (float)ShC0;
        return new GaussianScene(xyz.clone().MoveToOuterDisposeScope(), logScale.MoveToOuterDisposeScope(), rot.MoveToOuterDisposeScope(),
                                 opac.MoveToOuterDisposeScope(), sh.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Scene of <paramref name="count"/> points drawn uniformly in the cube centre ± halfSide with uniformly random colours
    /// (the reference's NeRF-synthetic initialisation uses 100 000 points in a cube of side 2.6 at the origin).
    /// </summary>
    /// <param name="count">Number of Gaussians.</param>
    /// <param name="center">Cube centre.</param>
    /// <param name="halfSide">Half the cube side (&gt; 0).</param>
    /// <param name="shDegree">SH degree (0–3).</param>
    /// <param name="seed">Random seed.</param>
    /// <param name="initialOpacity">Opacity of every Gaussian.</param>
    public static GaussianScene RandomInCube(int count, (double X, double Y, double Z) center, double halfSide, int shDegree,
                                             int seed, double initialOpacity = 0.1)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"count must be ≥ 1, got {count}.");
        if (!(halfSide > 0) || double.IsInfinity(halfSide)) throw new ArgumentOutOfRangeException(nameof(halfSide), $"halfSide must be positive, got {halfSide}.");
        var rng = new Random(seed);
        var xyz = new float[count * 3];
        var rgb = new float[count * 3];
        for (int i = 0; i < count; i++)
        {
            xyz[3 * i] = (float)(center.X + (rng.NextDouble() * 2 - 1) * halfSide);
            xyz[3 * i + 1] = (float)(center.Y + (rng.NextDouble() * 2 - 1) * halfSide);
            xyz[3 * i + 2] = (float)(center.Z + (rng.NextDouble() * 2 - 1) * halfSide);
            rgb[3 * i] = (float)rng.NextDouble(); rgb[3 * i + 1] = (float)rng.NextDouble(); rgb[3 * i + 2] = (float)rng.NextDouble();
        }
        using var p = tensor(xyz, new long[] { count, 3 });
        using var c = tensor(rgb, new long[] { count, 3 });
        return FromPoints(p, c, shDegree, initialOpacity);
    }
}
