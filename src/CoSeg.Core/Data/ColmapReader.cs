using CoSeg.Geometry;

namespace CoSeg.Data;

/// <summary>
/// Reads a COLMAP scene: a sparse model in <c>sparse/0</c>, <c>sparse</c> or the root (cameras, images, points3D;
/// binary or text) and images from <c>images_N</c> or <c>images</c>. Pinhole models are used as they are; SIMPLE_RADIAL,
/// RADIAL, OPENCV, FULL_OPENCV and OPENCV_FISHEYE images are undistorted at load; other models are refused.
/// </summary>
internal static class ColmapReader
{
    public static string? FindModelFolder(string root)
    {
        foreach (var dir in new[] { Path.Combine(root, "sparse", "0"), Path.Combine(root, "sparse"), root })
            if (Directory.Exists(dir) && (File.Exists(Path.Combine(dir, "cameras.bin")) || File.Exists(Path.Combine(dir, "cameras.txt"))))
                return dir;
        return null;
    }

    public static SceneDataset Read(string root, DatasetLoadOptions options, CancellationToken ct)
    {
        string model = FindModelFolder(root) ?? throw new FileNotFoundException($"Dataset {root}: no COLMAP model (cameras.bin/.txt under sparse/0, sparse or the root).");
        var colmap = ColmapModel.ReadCamerasAndImages(model);
        if (colmap.Images.Count == 0) throw new InvalidDataException($"COLMAP model {model}: no images.");
        var (folder, factor) = ImageFolderChoice.Choose(root, options.Downscale);
        int extra = options.Downscale % factor == 0 ? options.Downscale / factor : 1;
        var bg = options.BackgroundOrWhite();
        string cameraFile = File.Exists(Path.Combine(model, "cameras.bin")) ? Path.Combine(model, "cameras.bin") : Path.Combine(model, "cameras.txt");
        var views = new List<SceneView>();
        var ordered = colmap.Images.OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        var missing = ordered.Where(i => !File.Exists(Path.Combine(folder, i.Name))).Select(i => i.Name).ToList();
        if (missing.Count > 0 && (!options.SkipMissingImages || missing.Count == ordered.Count))
            throw new FileNotFoundException(
                $"COLMAP model {model}: {missing.Count} of {ordered.Count} images not found in {folder}: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? $", … ({missing.Count - 5} more)" : "")}"
                + (missing.Count == ordered.Count ? "." : ". Set DatasetLoadOptions.SkipMissingImages (--skip-missing-images) to load the others."),
                Path.Combine(folder, missing[0]));
        var cache = new UndistorterCache();
        foreach (var img in ordered)
        {
            ct.ThrowIfCancellationRequested();
            if (!colmap.Cameras.TryGetValue(img.CameraId, out var cam))
                throw new InvalidDataException($"COLMAP model {model}: image '{img.Name}' refers to camera {img.CameraId}, which is not in {cameraFile}.");
            var (fx, fy, cx, cy, lens) = Intrinsics(cam, cameraFile);
            string path = Path.Combine(folder, img.Name);
            if (!File.Exists(path)) continue; // listed in SkippedImages
            var (fileW, fileH, hasAlpha) = ImageFiles.ReadInfo(path);
            var (w, h) = DatasetViews.Scaled(fileW, fileH, extra, path);
            Camera camera;
            try
            {
                camera = PoseConversions.FromColmap(img.Qw, img.Qx, img.Qy, img.Qz, img.Tx, img.Ty, img.Tz,
                                                    cam.Width, cam.Height, fx, fy, cx, cy, Path.GetFileNameWithoutExtension(img.Name));
            }
            catch (ArgumentException e) { throw new InvalidDataException($"COLMAP model {model}: image '{img.Name}': {e.Message}", e); }
            if (camera.Width != w || camera.Height != h) camera = camera.Resized(w, h);
            try { views.Add(DatasetViews.FromFile(camera, path, hasAlpha, bg, lens, cam.Model, cache: cache)); }
            catch (InvalidDataException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
            {
                // The lens comes from the cameras file: name it (an undistorter error only knows the camera).
                throw new InvalidDataException($"{cameraFile}: camera {img.CameraId} ({cam.Model}) for image '{img.Name}': {e.Message}", e);
            }
        }
        var (train, test) = DatasetViews.HoldOut(views, options.TestHoldoutEvery);
        var pts = ColmapModel.ReadPoints(model);
        TorchSharp.torch.Tensor? points = null, colors = null;
        if (pts is not null)
        {
            long n = pts.Value.Xyz.Length / 3;
            points = TorchSharp.torch.tensor(pts.Value.Xyz, new long[] { n, 3 });
            colors = TorchSharp.torch.tensor(pts.Value.Rgb, new long[] { n, 3 });
        }
        return new SceneDataset("colmap", root, train, null, test, bg, points, colors)
        {
            SkippedImages = missing.Select(m => Path.Combine(folder, m)).ToList(),
        };
    }

    /// <summary>Intrinsics and lens model of a COLMAP camera (null lens for pinhole models); refuses unsupported models.</summary>
    internal static (double Fx, double Fy, double Cx, double Cy, LensDistortion? Lens) Intrinsics(ColmapCamera cam, string file)
    {
        var p = cam.Params;
        try
        {
            switch (cam.Model)
            {
                case "SIMPLE_PINHOLE": return (p[0], p[0], p[1], p[2], null);
                case "PINHOLE": return (p[0], p[1], p[2], p[3], null);
                case "SIMPLE_RADIAL": return (p[0], p[0], p[1], p[2], Lens(new RadialTangentialDistortion(p[3], modelName: cam.Model)));
                case "RADIAL": return (p[0], p[0], p[1], p[2], Lens(new RadialTangentialDistortion(p[3], p[4], modelName: cam.Model)));
                case "OPENCV": return (p[0], p[1], p[2], p[3], Lens(new RadialTangentialDistortion(p[4], p[5], p[6], p[7], modelName: cam.Model)));
                case "FULL_OPENCV":
                    return (p[0], p[1], p[2], p[3], Lens(new RadialTangentialDistortion(p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], modelName: cam.Model)));
                case "OPENCV_FISHEYE": return (p[0], p[1], p[2], p[3], new FisheyeDistortion(p[4], p[5], p[6], p[7]));
                default:
                    throw new NotSupportedException($"{file}: camera {cam.Id} uses the {cam.Model} model, which is not supported (SIMPLE_PINHOLE, PINHOLE, SIMPLE_RADIAL, RADIAL, OPENCV, FULL_OPENCV and OPENCV_FISHEYE are).");
            }
        }
        catch (ArgumentException e) { throw new InvalidDataException($"{file}: camera {cam.Id} ({cam.Model}): {e.Message}", e); }
    }

    private static LensDistortion? Lens(RadialTangentialDistortion d) => d.IsIdentity ? null : d;
}
