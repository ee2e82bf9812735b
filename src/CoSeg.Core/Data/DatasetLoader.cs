namespace CoSeg.Data;

/// <summary>
/// Loads a <see cref="SceneDataset"/> from a folder, detecting the format from its contents:
/// <c>transforms_train.json</c> (NeRF-synthetic; train/val/test as present), <c>transforms.json</c> (instant-ngp; all
/// frames train), <c>poses_bounds.npy</c> (LLFF), or a COLMAP model (<c>sparse/0</c>, <c>sparse</c> or the root).
/// </summary>
public static class DatasetLoader
{
    /// <summary>The format names <see cref="Detect"/> returns and <see cref="DatasetLoadOptions.Format"/> accepts.</summary>
    public static IReadOnlyList<string> Formats { get; } = new[] { "nerf-synthetic", "instant-ngp", "llff", "colmap" };

    /// <summary>Detects the dataset format of a folder.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No known format was recognised (the message lists what was looked for).</exception>
    public static string Detect(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"Dataset folder not found: {path}");
        if (File.Exists(Path.Combine(path, "transforms_train.json")) || File.Exists(Path.Combine(path, "transforms_test.json"))
            || File.Exists(Path.Combine(path, "transforms_val.json"))) return "nerf-synthetic";
        if (File.Exists(Path.Combine(path, "transforms.json"))) return "instant-ngp";
        if (File.Exists(Path.Combine(path, "poses_bounds.npy"))) return "llff";
        if (ColmapReader.FindModelFolder(path) is not null) return "colmap";
        throw new InvalidDataException($"Dataset folder {path}: unrecognised format (looked for transforms_train.json, transforms.json, poses_bounds.npy, sparse/0/cameras.bin|txt).");
    }

    /// <summary>Loads the dataset in <paramref name="path"/> (see the type summary for the formats).</summary>
    /// <exception cref="InvalidDataException">Malformed dataset files; the message names the file and the problem.</exception>
    /// <exception cref="FileNotFoundException">An image or required file is missing.</exception>
    /// <exception cref="NotSupportedException">Camera models that are not supported (distorted models are undistorted at load).</exception>
    public static SceneDataset Load(string path, DatasetLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DatasetLoadOptions();
        options.Validate();
        string root = Path.GetFullPath(path);
        string format = options.Format ?? Detect(root);
        var bg = options.BackgroundOrWhite();
        switch (format)
        {
            case "nerf-synthetic":
            {
                var report = new TransformsJsonReader.ReadReport();
                var cache = new UndistorterCache();
                List<SceneView> Split(string name)
                {
                    string f = Path.Combine(root, $"transforms_{name}.json");
                    return File.Exists(f) ? TransformsJsonReader.ReadSplit(f, options, bg, report, cache, cancellationToken) : new List<SceneView>();
                }
                var train = Split("train"); var val = Split("val"); var test = Split("test");
                if (train.Count == 0 && val.Count == 0 && test.Count == 0)
                    throw new InvalidDataException($"Dataset folder {root}: no transforms_train/val/test.json with frames.");
                return new SceneDataset(format, root, train, val, test, bg) { SkippedImages = report.Skipped, Notes = report.Notes };
            }
            case "instant-ngp":
            {
                var report = new TransformsJsonReader.ReadReport();
                string json = Path.Combine(root, "transforms.json");
                var views = TransformsJsonReader.ReadSplit(json, options, bg, report, new UndistorterCache(), cancellationToken);
                return new SceneDataset(format, root, views, null, null, bg)
                {
                    SkippedImages = report.Skipped, Notes = report.Notes, ContentCube = TransformsJsonReader.ReadInstantNgpCube(json),
                };
            }
            case "llff": return LlffReader.Read(root, options, cancellationToken);
            case "colmap": return ColmapReader.Read(root, options, cancellationToken);
            default:
                throw new ArgumentException($"DatasetLoadOptions.Format '{format}' is not one of {string.Join(", ", Formats)}.", nameof(options));
        }
    }
}
