using CoSeg.Common;
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
        var colors = ShColors(scene, camera, options);
        try { return RenderCore(scene, colors, camera, options); }
        finally { colors.Dispose(); }
    }

    /// <summary>
    /// The per-Gaussian colours (N×3) that <see cref="Render"/> blends for <paramref name="camera"/>: the scene's SH
    /// (up to <see cref="RenderOptions.ActiveShDegree"/>) evaluated towards the camera centre, Inria convention, clamped
    /// at 0. Use them to build modified colours (tints, highlights) for <see cref="RenderChannels"/>.
    /// </summary>
    public static Tensor ViewColors(GaussianScene scene, Camera camera, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(camera);
        return ShColors(scene, camera, options ?? new RenderOptions());
    }

    /// <summary>
    /// Picking for a view: per pixel the index of the Gaussian with the largest blending weight α·T (front-most on ties,
    /// −1 where nothing is blended) and that weight, computed by the rendering backend with the same projection, binning
    /// and blending as <see cref="Render"/>. Not differentiable.
    /// </summary>
    public static TopContributorResult RenderTopContributor(GaussianScene scene, Camera camera, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(camera);
        options ??= new RenderOptions();
        ValidateGeometry(scene);
        var backend = RasterizerBackends.Get(options.Backend);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var zeros = torch.zeros(scene.Count, 1, dtype: ScalarType.Float32, device: scene.Means.device);
        var r = backend.TopContributor(Activated(scene, zeros), camera, options.Settings ?? new RasterSettings());
        r.Index.MoveToOuterDisposeScope(); r.Weight.MoveToOuterDisposeScope();
        return r;
    }

    /// <summary>
    /// SH colours on the backend's own SH kernels (native, ILGPU; TorchSharp maths for the reference), one convention.
    /// </summary>
    private static Tensor ShColors(GaussianScene scene, Camera camera, RenderOptions options)
    {
        int degree = options.ActiveShDegree ?? scene.ShDegree;
        if (degree < 0 || degree > Math.Min(3, scene.ShDegree))
            throw new ArgumentOutOfRangeException(nameof(options), $"RenderOptions.ActiveShDegree={degree} must be within 0..{Math.Min(3, scene.ShDegree)} (the scene's SH degree).");
        Validate(scene.ShCoefficients, "scene.ShCoefficients");
        Validate(scene.Means, "scene.Means");
        // SH on the backend's own kernels (the native and ILGPU ones, or TorchSharp maths for the reference).
        return ShFunction.apply(RasterizerBackends.Get(options.Backend), camera.Center, degree,
                                scene.ShCoefficients.to(ScalarType.Float32).contiguous(),
                                scene.Means.to(ScalarType.Float32).contiguous())[0];
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
        ValidateGeometry(scene);
        Validate(colors, "channels");
        bool backward = torch.is_grad_enabled() && (colors.requires_grad || scene.Means.requires_grad || scene.LogScales.requires_grad
                        || scene.Rotations.requires_grad || scene.OpacityLogits.requires_grad);
        string operation = $"Rendering {scene.Count} Gaussians at {camera.Width}×{camera.Height}";
        MemoryBudget.RequireRaster(camera.Width, camera.Height, c, scene.Count, backward, operation);
        try { return RenderChecked(scene, colors, camera, options, settings); }
        catch (Exception e) when (MemoryBudget.Translate(e, operation) is { } oom) { throw oom; }
    }

    private static RenderResult RenderChecked(GaussianScene scene, Tensor colors, Camera camera, RenderOptions options, RasterSettings settings)
    {

        var backend = RasterizerBackends.Get(options.Backend);
        using var scope = torch.NewDisposeScope();
        var dtype = ScalarType.Float32;
        var (means, scales, quats, opac, cols) = Activated(scene, colors);
        var probe = torch.zeros(scene.Count, 2, dtype: dtype, device: means.device).requires_grad_(true);
        var call = new RasterCall(backend, ProjectionParams.Create(camera, settings));
        var outs = RasterizeFunction.apply(call, means, scales, quats, opac, cols, probe);
        var radii = call.Forward!.Radii;
        // Nothing requires grad: no backward will come, so release the backend state now.
        if (!outs[0].requires_grad) call.Forward.State?.Dispose();
        return new RenderResult(outs[0].MoveToOuterDisposeScope(), outs[1].MoveToOuterDisposeScope(),
                                outs[2].MoveToOuterDisposeScope(), radii.MoveToOuterDisposeScope(), probe.MoveToOuterDisposeScope());
    }

    /// <summary>The backend inputs: float32 contiguous means, exp'd scales, quaternions, sigmoid'd opacities, channels.</summary>
    private static RasterInputs Activated(GaussianScene scene, Tensor channels)
    {
        var dtype = ScalarType.Float32;
        return new RasterInputs(scene.Means.to(dtype).contiguous(), scene.LogScales.to(dtype).exp().contiguous(),
            scene.Rotations.to(dtype).contiguous(), scene.OpacityLogits.to(dtype).sigmoid().contiguous(), channels.to(dtype).contiguous());
    }

    private static void ValidateGeometry(GaussianScene scene)
    {
        Validate(scene.Means, "scene.Means");
        Validate(scene.LogScales, "scene.LogScales");
        Validate(scene.Rotations, "scene.Rotations");
        Validate(scene.OpacityLogits, "scene.OpacityLogits");
    }

    /// <summary>Throws a clear exception when a tensor holds NaN or infinite values.</summary>
    internal static void Validate(Tensor t, string name)
    {
        if (t.numel() == 0) return;
        using var noGrad = torch.no_grad();
        // One reduction instead of isfinite + all (three passes and a bool temporary, per render): a NaN or ±∞ anywhere
        // makes the sum non-finite, so a finite sum proves the tensor finite. Only an overflowing sum of huge finite
        // values takes the exact test.
        using (var sum = t.sum(type: ScalarType.Float64))
            if (double.IsFinite(sum.item<double>())) return;
        using var finite = torch.isfinite(t).all();
        if (!finite.item<bool>())
            throw new ArgumentException($"{name} contains NaN or infinite values; the rasterizer needs finite parameters.", name);
    }
}
