using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Gaussians;

/// <summary>
/// The one rule for degenerate Gaussians and empty scenes, shared by rendering (<c>coseg render</c>), evaluation
/// (<c>ImageMetricsEvaluator</c>), segmentation (<c>Segmenter</c>) and viewers.
/// A scene is refused when it has no Gaussians or when any Gaussian has a non-finite parameter, a zero quaternion
/// (largest |component| below <see cref="MinQuaternionComponent"/>), a log-scale above <see cref="MaxLogScale"/> or a
/// position component beyond ±<see cref="MaxAbsPosition"/>: such Gaussians render as NaN or as nothing, and any score
/// computed from them would be meaningless. The message names the source, the first offending Gaussian and property,
/// and the count of each kind. Loading (<see cref="GaussianPly.Load"/>) only refuses NaN/Inf; this check is applied by
/// the consumers, so a scene can still be loaded, inspected and repaired.
/// </summary>
public static class GaussianSceneValidation
{
    /// <summary>Largest accepted log-scale (e^20 ≈ 4.9·10⁸ world units).</summary>
    public const double MaxLogScale = 20;
    /// <summary>Largest accepted |x|, |y| or |z| of a Gaussian's centre.</summary>
    public const double MaxAbsPosition = 1e18;
    /// <summary>A quaternion whose components are all below this in magnitude cannot be normalised in float32.</summary>
    public const double MinQuaternionComponent = 1e-18;

    /// <summary>Throws when the scene is empty or has a degenerate Gaussian (see the type summary).</summary>
    /// <param name="scene">The scene to check.</param>
    /// <param name="source">What the scene is, for the message (e.g. the PLY path).</param>
    /// <exception cref="ArgumentException">The scene is empty or has degenerate Gaussians.</exception>
    public static void Require(GaussianScene scene, string source)
    {
        ArgumentNullException.ThrowIfNull(scene);
        string? problem = Describe(scene);
        if (problem is not null) throw new ArgumentException($"{source}: {problem}");
    }

    /// <summary>Null when the scene passes; otherwise one sentence describing every kind of problem found.</summary>
    public static string? Describe(GaussianScene scene)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (scene.Count == 0) return "the scene has no Gaussians (nothing to render, evaluate or segment).";
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var means = scene.Means.detach(); var scales = scene.LogScales.detach(); var rots = scene.Rotations.detach();
        var opac = scene.OpacityLogits.detach(); var sh = scene.ShCoefficients.detach();
        var parts = new List<string>();
        void Rows(Tensor rowMask, string what)
        {
            long count = rowMask.sum().item<long>();
            if (count == 0) return;
            long first = rowMask.to_type(ScalarType.Int32).argmax().item<long>();
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{count} with {what} (first: Gaussian {first})"));
        }
        Rows(~isfinite(means).all(1) | ~isfinite(scales).all(1) | ~isfinite(rots).all(1) | ~isfinite(opac)
             | ~isfinite(sh).flatten(1).all(1), "NaN or infinite parameters");
        Rows(rots.abs().amax(new long[] { 1 }) < MinQuaternionComponent, "a zero rotation quaternion");
        Rows((scales > MaxLogScale).any(1), $"a log-scale above {MaxLogScale}");
        Rows((means.abs() > MaxAbsPosition).any(1), $"a position beyond ±{MaxAbsPosition:g}");
        return parts.Count == 0 ? null
            : $"{scene.Count} Gaussians, degenerate ones refused: {string.Join("; ", parts)}. Remove or repair them before rendering, evaluating or segmenting.";
    }
}
