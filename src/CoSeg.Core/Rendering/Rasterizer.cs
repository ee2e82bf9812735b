using CoSeg.Gaussians;
using CoSeg.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>
/// Differentiable rendering of a <see cref="GaussianScene"/>: SH colours (<see cref="Render"/>) or arbitrary
/// per-Gaussian channels (<see cref="RenderChannels"/>). Gradients reach every scene tensor that requires grad.
/// </summary>
public static class Rasterizer
{
    /// <summary>Every registered rasterizer backend with its availability (the names <see cref="RenderOptions.Backend"/> accepts, plus "auto").</summary>
    public static IReadOnlyList<RasterizerBackendInfo> Backends => RasterizerBackends.List();

    /// <summary>Renders the scene's view-dependent SH colours (H×W×3) for <paramref name="camera"/>.</summary>
    public static RenderResult Render(GaussianScene scene, Camera camera, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(camera);
        options ??= new RenderOptions();
        int degree = options.ActiveShDegree ?? scene.ShDegree;
        if (degree < 0 || degree > Math.Min(3, scene.ShDegree))
            throw new ArgumentOutOfRangeException(nameof(options), $"RenderOptions.ActiveShDegree={degree} must be within 0..{Math.Min(3, scene.ShDegree)} (the scene's SH degree).");
        Validate(scene.ShCoefficients, "scene.ShCoefficients");
        Validate(scene.Means, "scene.Means");
        // SH on the ILGPU kernels when rendering with ILGPU; plain TorchSharp maths otherwise (same convention).
        var colors = RasterizerBackends.Get(options.Backend) is Ilgpu.IlgpuRasterizer ilgpu
            ? ShFunction.apply(ilgpu, camera.Center, degree, scene.ShCoefficients.to(ScalarType.Float32).contiguous(),
                               scene.Means.to(ScalarType.Float32).contiguous())[0]
            : ShEvaluator.Evaluate(scene.ShCoefficients, scene.Means, camera.Center, degree);
        try { return RenderCore(scene, colors, camera, options); }
        finally { colors.Dispose(); }
    }

    /// <summary>
    /// Renders arbitrary per-Gaussian channels (N×C, e.g. features or label logits) with the scene's geometry;
    /// the image is H×W×C and gradients reach <paramref name="channels"/> too.
    /// </summary>
    public static RenderResult RenderChannels(GaussianScene scene, Tensor channels, Camera camera, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(camera);
        if (channels.ndim != 2 || channels.shape[0] != scene.Count || channels.shape[1] < 1)
            throw new ArgumentException($"channels must be N×C with N={scene.Count} and C ≥ 1, got [{string.Join(",", channels.shape)}].", nameof(channels));
        return RenderCore(scene, channels, camera, options ?? new RenderOptions());
    }

    private static RenderResult RenderCore(GaussianScene scene, Tensor colors, Camera camera, RenderOptions options)
    {
        var settings = options.Settings ?? new RasterSettings();
        int c = (int)colors.shape[1];
        if (settings.Background is { } bg && bg.Length != c)
            throw new ArgumentException($"RasterSettings.Background has {bg.Length} values but {c} channels are rendered.", nameof(options));
        Validate(scene.Means, "scene.Means");
        Validate(scene.LogScales, "scene.LogScales");
        Validate(scene.Rotations, "scene.Rotations");
        Validate(scene.OpacityLogits, "scene.OpacityLogits");
        Validate(colors, "channels");

        var backend = RasterizerBackends.Get(options.Backend);
        using var scope = torch.NewDisposeScope();
        var dtype = ScalarType.Float32;
        var means = scene.Means.to(dtype).contiguous();
        var scales = scene.LogScales.to(dtype).exp().contiguous();
        var quats = scene.Rotations.to(dtype).contiguous();
        var opac = scene.OpacityLogits.to(dtype).sigmoid().contiguous();
        var cols = colors.to(dtype).contiguous();
        var probe = torch.zeros(scene.Count, 2, dtype: dtype, device: means.device).requires_grad_(true);
        var call = new RasterCall(backend, ProjectionParams.Create(camera, settings));
        var outs = RasterizeFunction.apply(call, means, scales, quats, opac, cols, probe);
        var radii = call.Forward!.Radii;
        // Nothing requires grad: no backward will come, so release the backend state now.
        if (!outs[0].requires_grad) call.Forward.State?.Dispose();
        return new RenderResult(outs[0].MoveToOuterDisposeScope(), outs[1].MoveToOuterDisposeScope(),
                                outs[2].MoveToOuterDisposeScope(), radii.MoveToOuterDisposeScope(), probe.MoveToOuterDisposeScope());
    }

    /// <summary>Throws a clear exception when a tensor holds NaN or infinite values.</summary>
    internal static void Validate(Tensor t, string name)
    {
        if (t.numel() == 0) return;
        using var noGrad = torch.no_grad();
        using var finite = torch.isfinite(t).all();
        if (!finite.item<bool>())
            throw new ArgumentException($"{name} contains NaN or infinite values; the rasterizer needs finite parameters.", name);
    }
}
