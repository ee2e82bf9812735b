using CoSeg.Gaussians;
using CoSeg.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

public static partial class Rasterizer
{
    /// <summary>
    /// The per-Gaussian colours (N×3) that <see cref="Render"/> blends for <paramref name="camera"/>: the scene's SH
    /// (up to <see cref="RenderOptions.ActiveShDegree"/>) evaluated towards the camera centre, Inria convention, clamped at 0.
    /// Use them to build modified colours (tints, highlights) for <see cref="RenderChannels"/>. With the native backend and
    /// no gradient wanted, the native SH kernel evaluates them; otherwise TorchSharp maths (differentiable).
    /// </summary>
    public static Tensor ViewColors(GaussianScene scene, Camera camera, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(camera);
        options ??= new RenderOptions();
        int degree = ActiveShDegree(scene, options.ActiveShDegree, nameof(options));
        Validate(scene.ShCoefficients, "scene.ShCoefficients");
        bool noGrad = !torch.is_grad_enabled() || !(scene.ShCoefficients.requires_grad || scene.Means.requires_grad);
        if (noGrad && scene.Means.device_type == DeviceType.CPU && RasterizerBackends.Get(options.Backend) is Native.NativeRasterizerBackend)
        {
            using var scope = torch.NewDisposeScope();
            var rgb = Native.NativeRasterizerBackend.EvaluateSh(scene.Means.detach().to(ScalarType.Float32), scene.ShCoefficients.detach().to(ScalarType.Float32),
                                                                degree, camera.Center);
            return rgb.MoveToOuterDisposeScope();
        }
        return ShEvaluator.Evaluate(scene.ShCoefficients, scene.Means, camera.Center, degree);
    }

    /// <summary>The SH degree to use: the requested one (validated against the scene's) or the scene's own.</summary>
    private static int ActiveShDegree(GaussianScene scene, int? requested, string paramName)
    {
        int degree = requested ?? scene.ShDegree;
        if (degree < 0 || degree > Math.Min(3, scene.ShDegree))
            throw new ArgumentOutOfRangeException(paramName, $"RenderOptions.ActiveShDegree={degree} must be within 0..{Math.Min(3, scene.ShDegree)} (the scene's SH degree).");
        return degree;
    }
}
