using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>Label images held in memory, keyed by view name (flat H·W int arrays, row-major).</summary>
public sealed class InMemoryLabelSource : ILabelSource
{
    private readonly Dictionary<string, int[]> _labels;

    /// <summary>Creates the source; views whose name is not a key get no labels.</summary>
    public InMemoryLabelSource(IReadOnlyDictionary<string, int[]> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _labels = new Dictionary<string, int[]>(labels, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public Tensor? GetLabels(SegmentationView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (!_labels.TryGetValue(view.Name, out var l)) return null;
        int h = view.Camera.Height, w = view.Camera.Width;
        if (l.Length != h * w)
            throw new ArgumentException($"labels of view '{view.Name}' have {l.Length} pixels, expected {w}×{h} = {w * h}.");
        // Shaped at creation: a chained temporary could be finalized by the GC during the native reshape call.
        return tensor(l.Select(v => (long)v).ToArray(), new long[] { h, w });
    }
}
