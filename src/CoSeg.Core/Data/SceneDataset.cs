using CoSeg.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Data;

/// <summary>
/// A posed-image dataset: views (camera + lazily loaded image) split into <see cref="Train"/>, <see cref="Val"/> and
/// <see cref="Test"/>, an optional sparse point cloud with colours, and the background colour RGBA images were
/// composited on. Load one from disk with <see cref="DatasetLoader.Load"/> or build one in code with
/// <see cref="FromMemory"/>. Disposing releases the point tensors and any in-memory images.
/// </summary>
public sealed class SceneDataset : IDisposable
{
    private readonly List<IDisposable> _owned = new();

    /// <summary>Creates a dataset from views; the point tensors (if any) are taken over.</summary>
    public SceneDataset(string format, string? rootPath, IReadOnlyList<SceneView> train, IReadOnlyList<SceneView>? val,
                        IReadOnlyList<SceneView>? test, ReadOnlySpan<float> background, Tensor? points = null, Tensor? pointColors = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(format);
        ArgumentNullException.ThrowIfNull(train);
        if (background.Length != 3) throw new ArgumentException($"background must have 3 values (RGB), got {background.Length}.", nameof(background));
        if (points is not null && (points.ndim != 2 || points.shape[1] != 3))
            throw new ArgumentException($"points must be N×3, got [{string.Join(",", points.shape)}].", nameof(points));
        if (pointColors is not null && (points is null || pointColors.ndim != 2 || pointColors.shape[1] != 3 || pointColors.shape[0] != points.shape[0]))
            throw new ArgumentException($"pointColors must be N×3 matching points, got [{string.Join(",", pointColors.shape)}].", nameof(pointColors));
        Format = format; RootPath = rootPath;
        Train = train; Val = val ?? Array.Empty<SceneView>(); Test = test ?? Array.Empty<SceneView>();
        _background = background.ToArray();
        Points = points; PointColors = pointColors;
        if (AllViews.Count == 0) throw new ArgumentException($"Dataset '{rootPath ?? format}' has no views.");
    }

    private readonly float[] _background;

    /// <summary>Format name: "nerf-synthetic", "instant-ngp", "llff", "colmap" or "memory".</summary>
    public string Format { get; }
    /// <summary>The folder the dataset was loaded from (null for in-memory datasets).</summary>
    public string? RootPath { get; }
    /// <summary>Training views.</summary>
    public IReadOnlyList<SceneView> Train { get; }
    /// <summary>Validation views (empty when the dataset has none).</summary>
    public IReadOnlyList<SceneView> Val { get; }
    /// <summary>Test views (empty when the dataset has none).</summary>
    public IReadOnlyList<SceneView> Test { get; }
    /// <summary>All views: train, then val, then test.</summary>
    public IReadOnlyList<SceneView> AllViews => _all ??= [.. Train, .. Val, .. Test];
    private SceneView[]? _all;
    /// <summary>Background RGB in [0, 1] that RGBA images are composited on.</summary>
    public ReadOnlySpan<float> Background => _background;
    /// <summary>Sparse points (N×3 float32, world frame) when the dataset has them (COLMAP/LLFF), else null.</summary>
    public Tensor? Points { get; }
    /// <summary>Colours of <see cref="Points"/> (N×3 float32 in [0, 1]), else null.</summary>
    public Tensor? PointColors { get; }
    /// <summary>Image files the dataset named but that did not exist, skipped because of <see cref="DatasetLoadOptions.SkipMissingImages"/>.</summary>
    public IReadOnlyList<string> SkippedImages { get; init; } = Array.Empty<string>();
    /// <summary>Things the reader noticed and deliberately did not use (e.g. nerfstudio depth files), one sentence each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();
    /// <summary>
    /// Where the format says the scene's content is (world frame), when it says so: instant-ngp's unit cube (from the
    /// file's <c>scale</c> and <c>offset</c>), else null. Random initialisation fills this cube when there are no points.
    /// </summary>
    public SceneCube? ContentCube { get; init; }
    /// <summary>Number of sparse points (0 when there are none).</summary>
    public long PointCount => Points?.shape[0] ?? 0;

    /// <summary>
    /// Decodes the images of several views in parallel (decoding dominates loading), in the order given. Reports the
    /// number of images done so far; on cancellation or failure the images already decoded are disposed. The caller
    /// owns the returned images.
    /// </summary>
    public static SceneImage[] LoadImages(IReadOnlyList<SceneView> views, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(views);
        var images = new SceneImage[views.Count];
        int done = 0;
        try
        {
            Parallel.For(0, views.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                images[i] = views[i].LoadImage();
                progress?.Report(Interlocked.Increment(ref done));
            });
        }
        catch
        {
            foreach (var im in images) im?.Dispose();
            throw;
        }
        return images;
    }

    /// <summary>
    /// The spread of the training cameras as the reference 3DGS trainer measures it (its "cameras extent", which scales
    /// the densification and learning-rate thresholds): the mean of the camera centres and 1.1 × the largest distance of
    /// a centre from that mean. Uses all views when there are no training views.
    /// </summary>
    public ((double X, double Y, double Z) Center, double Radius) CameraExtent()
    {
        var views = Train.Count > 0 ? Train : AllViews;
        double cx = 0, cy = 0, cz = 0;
        foreach (var v in views) { var c = v.Camera.Center; cx += c.X; cy += c.Y; cz += c.Z; }
        cx /= views.Count; cy /= views.Count; cz /= views.Count;
        double max = 0;
        foreach (var v in views)
        {
            var c = v.Camera.Center;
            max = Math.Max(max, Math.Sqrt((c.X - cx) * (c.X - cx) + (c.Y - cy) * (c.Y - cy) + (c.Z - cz) * (c.Z - cz)));
        }
        return ((cx, cy, cz), 1.1 * max);
    }

    /// <summary>
    /// Builds a dataset from cameras and in-memory images (e.g. generated test scenes). Each entry is a camera, an RGB
    /// image H×W×3 in [0, 1] matching the camera size, and an optional alpha H×W. The tensors are copied (to CPU
    /// float32), so the caller keeps ownership of its own; <see cref="SceneView.LoadImage"/> returns fresh copies.
    /// </summary>
    public static SceneDataset FromMemory(IReadOnlyList<(Camera Camera, Tensor Rgb, Tensor? Alpha)> train,
                                          IReadOnlyList<(Camera Camera, Tensor Rgb, Tensor? Alpha)>? test = null,
                                          IReadOnlyList<(Camera Camera, Tensor Rgb, Tensor? Alpha)>? val = null,
                                          Tensor? points = null, Tensor? pointColors = null, float[]? background = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        var owned = new List<IDisposable>();
        List<SceneView> Make(IReadOnlyList<(Camera Camera, Tensor Rgb, Tensor? Alpha)>? items, string split)
        {
            var views = new List<SceneView>();
            if (items is null) return views;
            for (int i = 0; i < items.Count; i++)
            {
                var (camera, rgb, alpha) = items[i];
                ArgumentNullException.ThrowIfNull(camera, $"{split}[{i}].Camera");
                ArgumentNullException.ThrowIfNull(rgb, $"{split}[{i}].Rgb");
                if (rgb.ndim != 3 || rgb.shape[2] != 3 || rgb.shape[0] != camera.Height || rgb.shape[1] != camera.Width)
                    throw new ArgumentException($"{split}[{i}]: rgb must be {camera.Height}×{camera.Width}×3 to match its camera, got [{string.Join(",", rgb.shape)}].");
                if (alpha is not null && (alpha.ndim != 2 || alpha.shape[0] != camera.Height || alpha.shape[1] != camera.Width))
                    throw new ArgumentException($"{split}[{i}]: alpha must be {camera.Height}×{camera.Width}, got [{string.Join(",", alpha.shape)}].");
                // The dataset owns its copies: keep them out of any dispose scope the caller has open.
                var rgbCopy = rgb.detach().to(CPU).to_type(ScalarType.Float32).clone().DetachFromDisposeScope();
                var alphaCopy = alpha?.detach().to(CPU).to_type(ScalarType.Float32).clone().DetachFromDisposeScope();
                owned.Add(rgbCopy); if (alphaCopy is not null) owned.Add(alphaCopy);
                views.Add(new SceneView(camera, null, () => new SceneImage(rgbCopy.clone(), alphaCopy?.clone()), alphaCopy is not null));
            }
            return views;
        }
        var trainViews = Make(train, "train");
        var testViews = Make(test, "test");
        var valViews = Make(val, "val");
        var p = points?.detach().to(CPU).to_type(ScalarType.Float32).clone().DetachFromDisposeScope();
        var pc = pointColors?.detach().to(CPU).to_type(ScalarType.Float32).clone().DetachFromDisposeScope();
        var ds = new SceneDataset("memory", null, trainViews, valViews, testViews, background ?? new[] { 1f, 1f, 1f }, p, pc);
        ds._owned.AddRange(owned);
        return ds;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Points?.Dispose(); PointColors?.Dispose();
        foreach (var d in _owned) d.Dispose();
        _owned.Clear();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Format} dataset {RootPath}: {Train.Count} train, {Val.Count} val, {Test.Count} test views, {PointCount} points"
        + (SkippedImages.Count > 0 ? $", {SkippedImages.Count} frames skipped (missing images)" : "")
        + (AllViews.Any(v => v.Undistorted) ? $", undistorted from {string.Join("/", AllViews.Where(v => v.Undistorted).Select(v => v.CameraModel).Distinct())}" : "");
}

/// <summary>An axis-aligned cube in the world frame: centre and half the side length.</summary>
public readonly record struct SceneCube(double CenterX, double CenterY, double CenterZ, double HalfSide);
