using CoSeg.Data;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Foreground/background labels from the alpha channel of RGBA views (e.g. NeRF-synthetic, whose alpha is an exact
/// object mask): id <see cref="ForegroundId"/> where alpha ≥ the threshold, <see cref="BackgroundId"/> elsewhere.
/// Views are matched by name; a view this source does not know gets no labels (null).
/// </summary>
public sealed class AlphaLabelSource : ILabelSource
{
    /// <summary>The id given to background pixels (alpha below the threshold). Id 0 stays "ignore".</summary>
    public const int BackgroundId = 1;
    /// <summary>The id given to foreground pixels (alpha at or above the threshold).</summary>
    public const int ForegroundId = 2;

    private readonly Dictionary<string, SceneView> _views;

    /// <summary>
    /// Uses the alpha channels of <paramref name="views"/> (typically one split of a dataset; view names must be
    /// unique, so do not mix splits whose names repeat, such as NeRF-synthetic's train and test).
    /// </summary>
    /// <param name="views">The views whose images carry alpha.</param>
    /// <param name="threshold">Alpha at or above which a pixel is foreground, in (0, 1]; default 0.5.</param>
    /// <exception cref="ArgumentException">Two views share a name, or the threshold is outside (0, 1].</exception>
    public AlphaLabelSource(IEnumerable<SceneView> views, double threshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(views);
        CheckThreshold(threshold);
        Threshold = threshold;
        _views = new Dictionary<string, SceneView>(StringComparer.Ordinal);
        foreach (var v in views)
        {
            ArgumentNullException.ThrowIfNull(v, nameof(views));
            if (!_views.TryAdd(v.Name, v))
                throw new ArgumentException($"two views are named '{v.Name}'; AlphaLabelSource needs unique view names (use one split at a time).", nameof(views));
        }
    }

    /// <summary>Alpha at or above which a pixel is foreground.</summary>
    public double Threshold { get; }

    /// <summary>
    /// Converts an alpha mask (H×W, values in [0, 1]) to an H×W int64 label image: <see cref="ForegroundId"/> where
    /// alpha ≥ <paramref name="threshold"/>, else <see cref="BackgroundId"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The mask is not 2-D or the threshold is outside (0, 1].</exception>
    public static Tensor FromAlpha(Tensor alpha, double threshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        CheckThreshold(threshold);
        if (alpha.ndim != 2) throw new ArgumentException($"alpha must be H×W, got [{string.Join(",", alpha.shape)}].", nameof(alpha));
        // The scope holds the chain's temporaries: an unreferenced temporary can otherwise be finalized by the GC
        // while native code still uses it (seen as crashes in THSTensor_to_device). A plain loop, no implicit Scalars.
        using var scope = NewDisposeScope();
        long h = alpha.shape[0], w = alpha.shape[1];
        var a = alpha.detach().to(CPU).to(ScalarType.Float32).contiguous();
        var values = a.data<float>();
        var ids = new long[values.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = values[i] >= threshold ? ForegroundId : BackgroundId;
        return tensor(ids, new long[] { h, w }).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Loads <paramref name="view"/>'s image and converts its alpha to labels (see <see cref="FromAlpha"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The view's image has no alpha channel.</exception>
    public static Tensor FromView(SceneView view, double threshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(view);
        CheckThreshold(threshold);
        if (!view.HasAlpha) throw NoAlpha(view);
        using var image = view.LoadImage();
        if (image.Alpha is null) throw NoAlpha(view);
        return FromAlpha(image.Alpha, threshold);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The matching view's image has no alpha channel.</exception>
    /// <exception cref="ArgumentException">The view's camera size differs from the known view's image size.</exception>
    public Tensor? GetLabels(SegmentationView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (!_views.TryGetValue(view.Name, out var source)) return null;
        if (source.Camera.Width != view.Camera.Width || source.Camera.Height != view.Camera.Height)
            throw new ArgumentException($"view '{view.Name}' is {view.Camera.Width}×{view.Camera.Height} but its alpha image is {source.Camera.Width}×{source.Camera.Height}; load both at the same downscale.", nameof(view));
        return FromView(source, Threshold);
    }

    private static InvalidDataException NoAlpha(SceneView view) =>
        new($"view '{view.Name}' ({view.ImagePath ?? "in memory"}) has no alpha channel; alpha labels need RGBA images.");

    private static void CheckThreshold(double threshold)
    {
        if (!(threshold > 0 && threshold <= 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), $"threshold must be in (0, 1], got {threshold}.");
    }
}
