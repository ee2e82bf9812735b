using CoSeg.Gaussians;
using CoSeg.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>
/// A scene's geometry, activated once (exp'd scales, sigmoid'd opacities, float32, detached) and frozen, with the
/// backend operations that segmentation and unprojection need, one view at a time: render any channels (differentiable
/// with respect to the channels only), the αT-weighted transpose, and the visible set. Nothing is cached per view, so
/// memory is O(scene + one view).
/// </summary>
internal sealed class FrozenGeometry : IDisposable
{
    private readonly RasterInputs _inputs;   // Colors: one zero channel, replaced per call
    private readonly RasterSettings _settings;

    /// <param name="scene">The scene (not referenced after construction).</param>
    /// <param name="backend">A registered backend name (see <see cref="RasterizerBackends"/>).</param>
    /// <param name="settings">Rasterizer conventions; the background is not used (channels are rendered on zero).</param>
    public FrozenGeometry(GaussianScene scene, string backend, RasterSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        Backend = RasterizerBackends.Get(backend);
        _settings = (settings ?? new RasterSettings()) with { Background = null };
        Rasterizer.Validate(scene.Means, "scene.Means");
        Rasterizer.Validate(scene.LogScales, "scene.LogScales");
        Rasterizer.Validate(scene.Rotations, "scene.Rotations");
        Rasterizer.Validate(scene.OpacityLogits, "scene.OpacityLogits");
        using var noGrad = no_grad();
        Tensor Prep(Tensor t) { using var s = NewDisposeScope(); return t.detach().cpu().to(ScalarType.Float32).contiguous().clone().MoveToOuterDisposeScope(); }
        Tensor means = Prep(scene.Means), quats = Prep(scene.Rotations);
        Tensor scales, opac;
        using (var s = NewDisposeScope())
        {
            scales = scene.LogScales.detach().cpu().to(ScalarType.Float32).exp().contiguous().MoveToOuterDisposeScope();
            opac = scene.OpacityLogits.detach().cpu().to(ScalarType.Float32).sigmoid().contiguous().MoveToOuterDisposeScope();
        }
        _inputs = new RasterInputs(means, scales, quats, opac, zeros(scene.Count, 1));
    }

    /// <summary>The backend every operation runs on.</summary>
    public IRasterizerBackend Backend { get; }
    /// <summary>Number of Gaussians N.</summary>
    public long Count => _inputs.Count;
    /// <summary>N×3 float32 centres (owned; do not dispose).</summary>
    public Tensor Means => _inputs.Means;

    /// <summary>The projection value of <paramref name="camera"/> under this geometry's settings.</summary>
    public ProjectionParams View(Camera camera) => ProjectionParams.Create(camera, _settings);

    /// <summary>
    /// Renders N×C channels into the view: H×W×C image and H×W alpha. When <paramref name="channels"/> requires grad,
    /// the image is differentiable with respect to it (the backend's channels-only backward); geometry gets no gradient.
    /// <paramref name="backwardClock"/>, when given, runs while that backward runs (profiling).
    /// </summary>
    public (Tensor Image, Tensor Alpha) Render(Tensor channels, ProjectionParams view, System.Diagnostics.Stopwatch? backwardClock = null)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.ndim != 2 || channels.shape[0] != Count || channels.shape[1] < 1)
            throw new ArgumentException($"channels must be N×C with N={Count} and C ≥ 1, got [{string.Join(",", channels.shape)}].", nameof(channels));
        if (channels.requires_grad)
        {
            var outs = ChannelRenderFunction.apply(new ChannelRenderCall(this, view, backwardClock), channels);
            return (outs[0], outs[1]);
        }
        using var scope = NewDisposeScope();
        var cols = channels.detach().to(ScalarType.Float32).contiguous();
        using var fwd = Backend.Forward(_inputs with { Colors = cols }, view);
        return (fwd.Colors.clone().MoveToOuterDisposeScope(), fwd.Alpha.clone().MoveToOuterDisposeScope());
    }

    /// <summary>H×W accumulated opacity of the view.</summary>
    public Tensor Alpha(ProjectionParams view)
    {
        using var fwd = Backend.Forward(_inputs, view);
        return fwd.Alpha.clone();
    }

    /// <summary>Adds Σ_p w_gp·F_p into <paramref name="featureSums"/> (N×C) and Σ_p w_gp into <paramref name="weightSums"/> (N).</summary>
    public void Unproject(ProjectionParams view, Tensor pixelFeatures, Tensor featureSums, Tensor weightSums)
        => Backend.Unproject(_inputs, view, pixelFeatures, featureSums, weightSums);

    /// <summary>Per-Gaussian total blend weight Σ_p w_gp in the view (N float32); &gt; 0 exactly for the visible set.</summary>
    public Tensor Weights(ProjectionParams view)
    {
        var w = zeros(Count);
        Backend.AccumulateWeights(_inputs, view, w);
        return w;
    }

    /// <summary>Indices (int64) of the Gaussians blended at some pixel of the view.</summary>
    public Tensor Visible(ProjectionParams view)
    {
        using var w = Weights(view);
        using var nz = w.gt(0);
        return nz.nonzero().reshape(-1);
    }

    internal RasterForward ForwardWith(Tensor colors, ProjectionParams view) => Backend.Forward(_inputs with { Colors = colors }, view);
    internal Tensor BackwardChannelsWith(Tensor colors, ProjectionParams view, RasterForward fwd, Tensor grad)
        => Backend.BackwardChannels(_inputs with { Colors = colors }, view, fwd, grad);

    /// <inheritdoc />
    public void Dispose()
    {
        _inputs.Means.Dispose(); _inputs.Scales.Dispose(); _inputs.Quats.Dispose(); _inputs.Opacities.Dispose(); _inputs.Colors.Dispose();
    }
}
