using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Label images in a folder, one PNG per view named like the view (<c>&lt;view name&gt;.png</c>, or the file name of
/// the view's name without folders/extension). Grayscale PNGs (8 or 16 bit) and palette PNGs give ids directly
/// (value / palette index); colour-coded RGB(A) PNGs are mapped to ids consistently across views: black is 0
/// (ignore) and the other colours found in the whole folder get ids 1, 2, … in increasing 0xRRGGBB order.
/// </summary>
public sealed class PngFolderLabelSource : ILabelSource
{
    private readonly string _dir;
    private Dictionary<int, int>? _colorIds;
    private readonly object _lock = new();

    /// <summary>Uses the PNGs in <paramref name="directory"/>.</summary>
    public PngFolderLabelSource(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"label folder not found: {directory}");
        _dir = directory;
    }

    /// <summary>The colour → id table of colour-coded folders (empty until a colour image is read).</summary>
    public IReadOnlyDictionary<int, int> ColorIds => _colorIds ?? new Dictionary<int, int>();

    /// <summary>The label file of a view, or null if none exists.</summary>
    public string? FindFile(string viewName)
    {
        ArgumentNullException.ThrowIfNull(viewName);
        foreach (var candidate in new[] { viewName, Path.GetFileName(viewName), Path.GetFileNameWithoutExtension(viewName) })
        {
            if (string.IsNullOrEmpty(candidate)) continue;
            var p = Path.Combine(_dir, candidate + ".png");
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <inheritdoc />
    public Tensor? GetLabels(SegmentationView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var file = FindFile(view.Name);
        if (file is null) return null;
        var img = PngLabelReader.Read(file);
        if (img.Width != view.Camera.Width || img.Height != view.Camera.Height)
            throw new ArgumentException($"label image '{file}' is {img.Width}×{img.Height} but view '{view.Name}' is {view.Camera.Width}×{view.Camera.Height}.");
        var ids = img.Values;
        if (img.Kind == PngLabelReader.Kind.Color)
        {
            var table = ColorTable();
            ids = ids.Select(c => c == 0 ? 0 : table.TryGetValue(c, out int id) ? id
                : throw new InvalidDataException($"label image '{file}' has colour #{c:X6} not seen when the folder was scanned.")).ToArray();
        }
        // Shaped at creation: a chained temporary could be finalized by the GC during the native reshape call.
        return tensor(ids.Select(v => (long)v).ToArray(), new long[] { img.Height, img.Width });
    }

    private Dictionary<int, int> ColorTable()
    {
        lock (_lock)
        {
            if (_colorIds is not null) return _colorIds;
            var colors = new SortedSet<int>();
            foreach (var f in Directory.EnumerateFiles(_dir, "*.png").Order(StringComparer.Ordinal))
            {
                var img = PngLabelReader.Read(f);
                if (img.Kind != PngLabelReader.Kind.Color)
                    throw new InvalidDataException($"label folder '{_dir}' mixes colour-coded and grayscale/palette PNGs ('{f}').");
                foreach (var c in img.Values) if (c != 0) colors.Add(c);
            }
            int next = 1;
            _colorIds = colors.ToDictionary(c => c, _ => next++);
            return _colorIds;
        }
    }
}
