using CoSeg.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Data;

/// <summary>
/// Reads an LLFF scene: <c>poses_bounds.npy</c> (N×17: a 3×5 camera-to-world matrix per image in (down, right, back)
/// axes with (height, width, focal) at full resolution, then near and far), images from <c>images_N</c> or
/// <c>images</c> (name order matches pose order), and the COLMAP sparse points when <c>sparse/0/points3D.bin</c> exists
/// (same world frame as the poses; no recentring or rescaling is applied).
/// </summary>
internal static class LlffReader
{
    public static SceneDataset Read(string root, DatasetLoadOptions options, CancellationToken ct)
    {
        string npy = Path.Combine(root, "poses_bounds.npy");
        var (rows, data) = NpyFile.ReadMatrix(npy, 17);
        var (folder, factor) = ImageFolderChoice.Choose(root, options.Downscale);
        var files = ImageFolderChoice.ListImages(folder);
        if (files.Count != rows)
            throw new InvalidDataException($"{npy}: {rows} poses but {files.Count} images in {folder}; they must correspond one to one in name order.");
        var bg = options.BackgroundOrWhite();
        var (fileW, fileH, hasAlpha) = ImageFiles.ReadInfo(files[0]);
        // Resample only when the chosen folder is finer than requested.
        int extra = options.Downscale % factor == 0 ? options.Downscale / factor : 1;
        var (w, h) = DatasetViews.Scaled(fileW, fileH, extra, files[0]);
        var views = new List<SceneView>();
        for (int i = 0; i < rows; i++)
        {
            ct.ThrowIfCancellationRequested();
            var pose = data.AsSpan(i * 17, 15);
            Camera camera;
            try { camera = PoseConversions.FromLlffPose(pose, w, h, Path.GetFileNameWithoutExtension(files[i])); }
            catch (ArgumentException e) { throw new InvalidDataException($"{npy}: pose {i}: {e.Message}", e); }
            views.Add(DatasetViews.FromFile(camera, files[i], hasAlpha, bg));
        }
        var (train, test) = DatasetViews.HoldOut(views, options.TestHoldoutEvery);
        var (points, colors) = ReadSparsePoints(root);
        return new SceneDataset("llff", root, train, null, test, bg, points, colors);
    }

    /// <summary>COLMAP points under sparse/0 (or sparse/) as tensors, or (null, null).</summary>
    internal static (Tensor? Points, Tensor? Colors) ReadSparsePoints(string root)
    {
        foreach (var dir in new[] { Path.Combine(root, "sparse", "0"), Path.Combine(root, "sparse") })
        {
            if (!Directory.Exists(dir)) continue;
            var pts = ColmapModel.ReadPoints(dir);
            if (pts is null) continue;
            long n = pts.Value.Xyz.Length / 3;
            return (torch.tensor(pts.Value.Xyz, new long[] { n, 3 }), torch.tensor(pts.Value.Rgb, new long[] { n, 3 }));
        }
        return (null, null);
    }
}
