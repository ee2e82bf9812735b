using CoSeg.Gaussians;
using CoSeg.Geometry;

namespace CoSeg.Rendering;

public static partial class Rasterizer
{
    /// <summary>
    /// The per-Gaussian colours (N×3) that <see cref="Render"/> blends for <paramref name="camera"/>: the scene's SH
    /// evaluated towards the camera centre (Inria convention, clamped at 0). Use them to build modified colours (tints,
    /// highlights) for <see cref="RenderChannels"/>.
    /// </summary>
    public static TorchSharp.torch.Tensor ViewColors(GaussianScene scene, Camera camera, int? activeShDegree = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(camera);
        int degree = ActiveShDegree(scene, activeShDegree, nameof(activeShDegree));
        Validate(scene.ShCoefficients, "scene.ShCoefficients");
        return ShEvaluator.Evaluate(scene.ShCoefficients, scene.Means, camera.Center, degree);
    }

    /// <summary>The SH degree to use: the requested one (validated against the scene's) or the scene's own.</summary>
    private static int ActiveShDegree(GaussianScene scene, int? requested, string paramName)
    {
        int degree = requested ?? scene.ShDegree;
        if (degree < 0 || degree > Math.Min(3, scene.ShDegree))
            throw new ArgumentOutOfRangeException(paramName, $"ActiveShDegree={degree} must be within 0..{Math.Min(3, scene.ShDegree)} (the scene's SH degree).");
        return degree;
    }
}
