using CoSeg.Geometry;

namespace CoSeg.Data;

/// <summary>
/// Reads a COLMAP scene: a sparse model in <c>sparse/0</c>, <c>sparse</c> or the root (cameras, images, points3D;
/// binary or text) and images from <c>images_N</c> or <c>images</c>. Pinhole models are accepted; distortion models
/// (SIMPLE_RADIAL, RADIAL, OPENCV) only with all-zero distortion; other models are refused.
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
        foreach (var img in colmap.Images.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            if (!colmap.Cameras.TryGetValue(img.CameraId, out var cam))
                throw new InvalidDataException($"COLMAP model {model}: image '{img.Name}' refers to camera {img.CameraId}, which is not in {cameraFile}.");
            var (fx, fy, cx, cy) = Intrinsics(cam, cameraFile);
            string path = Path.Combine(folder, img.Name);
            if (!File.Exists(path))
                throw new FileNotFoundException($"COLMAP model {model}: image '{img.Name}' not found in {folder}.", path);
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
            views.Add(DatasetViews.FromFile(camera, path, hasAlpha, bg));
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
        return new SceneDataset("colmap", root, train, null, test, bg, points, colors);
    }

    /// <summary>Pinhole intrinsics of a COLMAP camera; refuses non-zero distortion and non-pinhole models.</summary>
    internal static (double Fx, double Fy, double Cx, double Cy) Intrinsics(ColmapCamera cam, string file)
    {
        var p = cam.Params;
        void RequireZero(int from)
        {
            for (int k = from; k < p.Length; k++)
                if (p[k] != 0)
                    throw new NotSupportedException($"{file}: camera {cam.Id} uses the {cam.Model} model with non-zero distortion ({string.Join(", ", p.Skip(from))}); only undistorted images are supported — run COLMAP's image_undistorter first.");
        }
        switch (cam.Model)
        {
            case "SIMPLE_PINHOLE": return (p[0], p[0], p[1], p[2]);
            case "PINHOLE": return (p[0], p[1], p[2], p[3]);
            case "SIMPLE_RADIAL": RequireZero(3); return (p[0], p[0], p[1], p[2]);
            case "RADIAL": RequireZero(3); return (p[0], p[0], p[1], p[2]);
            case "OPENCV": RequireZero(4); return (p[0], p[1], p[2], p[3]);
            default:
                throw new NotSupportedException($"{file}: camera {cam.Id} uses the {cam.Model} model, which is not supported (use PINHOLE, SIMPLE_PINHOLE, or SIMPLE_RADIAL/RADIAL/OPENCV with zero distortion).");
        }
    }
}
