using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Rendering;
using CoSeg.Segmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Viewing;

/// <summary>
/// What a <see cref="SceneViewer"/> shows: a Gaussian scene, optionally one segment identity (and confidence) per
/// Gaussian, and optionally the dataset's cameras to snap to. Also usable without a server: <see cref="Pick"/>.
/// </summary>
public sealed class ViewerScene : IDisposable
{
    private readonly bool _ownsScene;
    private readonly Dictionary<int, int> _counts = new();
    private readonly object _cacheGate = new();
    private readonly LinkedList<(string Key, GaussianScene Scene)> _displayCache = new();

    /// <summary>Creates the view model. <paramref name="segmentIds"/> and <paramref name="confidences"/>, when given, have one entry per Gaussian.</summary>
    /// <param name="scene">The scene (not copied).</param>
    /// <param name="segmentIds">Per-Gaussian segment identity, or null for an unsegmented scene.</param>
    /// <param name="confidences">Per-Gaussian identity confidence (0–1), or null.</param>
    /// <param name="cameras">Cameras the page can snap to (e.g. a dataset's training and test views), or null.</param>
    /// <param name="ownsScene">Dispose <paramref name="scene"/> with this object.</param>
    public ViewerScene(GaussianScene scene, IReadOnlyList<int>? segmentIds = null, IReadOnlyList<float>? confidences = null,
                       IReadOnlyList<Camera>? cameras = null, bool ownsScene = false)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (scene.Count > int.MaxValue) throw new ArgumentException("The viewer supports at most 2^31 − 1 Gaussians.", nameof(scene));
        int n = (int)scene.Count;
        if (segmentIds is not null && segmentIds.Count != n)
            throw new ArgumentException($"segmentIds has {segmentIds.Count} entries but the scene has {n} Gaussians.", nameof(segmentIds));
        if (confidences is not null && confidences.Count != n)
            throw new ArgumentException($"confidences has {confidences.Count} entries but the scene has {n} Gaussians.", nameof(confidences));
        if (confidences is not null && segmentIds is null)
            throw new ArgumentException("confidences need segmentIds.", nameof(confidences));
        Scene = scene;
        _ownsScene = ownsScene;
        SegmentIds = segmentIds?.ToArray();
        Confidences = confidences?.ToArray();
        Cameras = cameras?.ToArray() ?? Array.Empty<Camera>();
        var sums = new Dictionary<int, double>();
        if (SegmentIds is not null)
            for (int i = 0; i < n; i++)
            {
                int id = SegmentIds[i];
                _counts[id] = _counts.GetValueOrDefault(id) + 1;
                if (Confidences is not null) sums[id] = sums.GetValueOrDefault(id) + Confidences[i];
            }
        Segments = _counts.OrderBy(kv => kv.Key)
            .Select(kv => new SegmentInfo(kv.Key, kv.Value, Confidences is null ? null : (float)(sums[kv.Key] / kv.Value), Server.SegmentPalette.Color(kv.Key)))
            .ToArray();
        (Center, Radius) = Server.SceneBounds.Robust(scene);
        Up = Server.SceneBounds.UpFromCameras(Cameras);
    }

    /// <summary>A viewer scene for a segmentation computed in memory: identities and confidences from <paramref name="result"/>.</summary>
    public static ViewerScene FromSegmentation(GaussianScene scene, SegmentationResult result, IReadOnlyList<Camera>? cameras = null, bool ownsScene = false)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new ViewerScene(scene, result.GaussianIdentities, result.Confidences, cameras, ownsScene);
    }

    /// <summary>
    /// A viewer scene for a segmented PLY (as written by <see cref="SegmentationResult.SavePly"/>): segment identities
    /// come from the float <c>label</c> property of each Gaussian.
    /// </summary>
    public static ViewerScene FromLabelledScene(GaussianScene scene, IReadOnlyList<Camera>? cameras = null, bool ownsScene = false)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (!scene.ExtraProperties.TryGetValue("label", out var label))
            throw new ArgumentException("The scene has no per-Gaussian 'label' property (is it a segmented.ply written by `coseg segment`?).", nameof(scene));
        using var scope = NewDisposeScope();
        var ids = label.to(ScalarType.Float32).round().to(ScalarType.Int32).contiguous().data<int>().ToArray();
        return new ViewerScene(scene, ids, null, cameras, ownsScene);
    }

    /// <summary>The scene.</summary>
    public GaussianScene Scene { get; }
    /// <summary>Per-Gaussian segment identity, or null.</summary>
    public IReadOnlyList<int>? SegmentIds { get; }
    /// <summary>Per-Gaussian identity confidence, or null.</summary>
    public IReadOnlyList<float>? Confidences { get; }
    /// <summary>Cameras to snap to.</summary>
    public IReadOnlyList<Camera> Cameras { get; }
    /// <summary>The segments present, by identity (empty without segments).</summary>
    public IReadOnlyList<SegmentInfo> Segments { get; }
    /// <summary>Robust centre of the Gaussians (per-axis median).</summary>
    public (double X, double Y, double Z) Center { get; }
    /// <summary>Robust radius (90th percentile of the distances to <see cref="Center"/>).</summary>
    public double Radius { get; }
    /// <summary>World up direction for orbiting: from the cameras when there are any, else +Z.</summary>
    public (double X, double Y, double Z) Up { get; }
    /// <summary>Background colour (RGB, 0–1) for this scene, e.g. the dataset's; null = <see cref="ViewerOptions.Background"/>.</summary>
    public (float R, float G, float B)? Background { get; set; }
    /// <summary>Whether per-Gaussian segments are known.</summary>
    public bool HasSegments => SegmentIds is not null;

    /// <summary>Number of Gaussians of segment <paramref name="id"/> (0 when absent).</summary>
    public int SegmentCount(int id) => _counts.GetValueOrDefault(id);

    /// <summary>
    /// Picks the Gaussian that contributes most to pixel (<paramref name="x"/>, <paramref name="y"/>) of
    /// <paramref name="camera"/> (the rasterizer's top contributor), with its segment; null when nothing is blended there.
    /// </summary>
    public SegmentPick? Pick(Camera camera, int x, int y, RenderOptions? options = null) => PickCore(camera, x, y, options, null);

    internal SegmentPick? PickCore(Camera camera, int x, int y, RenderOptions? options, IReadOnlyCollection<int>? hidden)
    {
        ArgumentNullException.ThrowIfNull(camera);
        if ((uint)x >= (uint)camera.Width || (uint)y >= (uint)camera.Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}) is outside the {camera.Width}×{camera.Height} image.");
        using var top = Rasterizer.RenderTopContributor(DisplayScene(hidden), camera, options);
        var (g, w) = top.At(x, y);
        if (g < 0) return null;
        int? id = SegmentIds?[g];
        return new SegmentPick(g, w, id, id is { } s ? SegmentCount(s) : 0, Confidences?[g]);
    }

    /// <summary>
    /// The scene with the Gaussians of <paramref name="hidden"/> segments made fully transparent (other tensors shared).
    /// Never disposed by callers: it shares the scene's tensors; its own opacity tensor is left to the GC.
    /// </summary>
    internal GaussianScene DisplayScene(IReadOnlyCollection<int>? hidden)
    {
        if (hidden is null || hidden.Count == 0 || SegmentIds is null) return Scene;
        var key = string.Join(",", hidden.Order());
        lock (_cacheGate)
        {
            foreach (var (k, s) in _displayCache) if (k == key) return s;
        }
        GaussianScene display;
        using (var scope = NewDisposeScope())
        {
            var ids = SegmentIdTensor();
            var mask = torch.isin(ids, torch.tensor(hidden.Select(h => (long)h).ToArray()));
            var opacity = Scene.OpacityLogits.detach().masked_fill(mask, -1e4f).DetachFromDisposeScope();
            display = new GaussianScene(Scene.Means, Scene.LogScales, Scene.Rotations, opacity, Scene.ShCoefficients);
        }
        lock (_cacheGate)
        {
            _displayCache.AddFirst((key, display));
            while (_displayCache.Count > 4) _displayCache.RemoveLast();
        }
        return display;
    }

    private Tensor? _idTensor, _paletteTensor;

    /// <summary>Per-Gaussian identities as an int64 tensor (N), created once.</summary>
    internal Tensor SegmentIdTensor()
    {
        if (SegmentIds is null) throw new InvalidOperationException("The scene has no segments.");
        lock (_cacheGate) return _idTensor ??= torch.tensor(SegmentIds.Select(i => (long)i).ToArray()).DetachFromDisposeScope();
    }

    /// <summary>Per-Gaussian display colours of their segments (N×3 float, 0–1), created once.</summary>
    internal Tensor PaletteTensor()
    {
        if (SegmentIds is null) throw new InvalidOperationException("The scene has no segments.");
        lock (_cacheGate)
        {
            if (_paletteTensor is not null) return _paletteTensor;
            var rgb = new float[SegmentIds.Count * 3];
            for (int i = 0; i < SegmentIds.Count; i++)
            {
                var c = Server.SegmentPalette.Color(SegmentIds[i]);
                rgb[3 * i] = c.R / 255f; rgb[3 * i + 1] = c.G / 255f; rgb[3 * i + 2] = c.B / 255f;
            }
            return _paletteTensor = torch.tensor(rgb, SegmentIds.Count, 3).DetachFromDisposeScope();
        }
    }

    /// <summary>A new scene holding only the Gaussians of segment <paramref name="id"/> (the caller disposes it).</summary>
    public GaussianScene ExtractSegment(int id)
    {
        if (SegmentIds is null) throw new InvalidOperationException("The scene has no segments.");
        var rows = Enumerable.Range(0, SegmentIds.Count).Where(i => SegmentIds[i] == id).Select(i => (long)i).ToArray();
        if (rows.Length == 0) throw new ArgumentException($"There is no segment {id}.", nameof(id));
        using var scope = NewDisposeScope();
        var idx = torch.tensor(rows);
        Tensor Take(Tensor t) => t.detach().index_select(0, idx).MoveToOuterDisposeScope();
        var part = new GaussianScene(Take(Scene.Means), Take(Scene.LogScales), Take(Scene.Rotations), Take(Scene.OpacityLogits), Take(Scene.ShCoefficients));
        foreach (var (k, v) in Scene.ExtraProperties) part.ExtraProperties[k] = Take(v);
        if (!part.ExtraProperties.ContainsKey("label"))
            part.ExtraProperties["label"] = torch.full(rows.Length, (float)id).MoveToOuterDisposeScope();
        return part;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _idTensor?.Dispose(); _paletteTensor?.Dispose();
        if (_ownsScene) Scene.Dispose();
    }
}
