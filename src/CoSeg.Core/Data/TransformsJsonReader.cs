using System.Text.Json;
using CoSeg.Common;
using CoSeg.Geometry;

namespace CoSeg.Data;

/// <summary>
/// Reads NeRF-style <c>transforms*.json</c> files (NeRF-synthetic and instant-ngp): per-frame camera-to-world 4×4 in
/// the Blender/OpenGL convention, intrinsics from <c>fl_x, fl_y, cx, cy, w, h</c> or <c>camera_angle_x/y</c>, global
/// or per frame (frame values win). Non-zero lens distortion is refused.
/// </summary>
internal static class TransformsJsonReader
{
    private static readonly string[] DistortionKeys = { "k1", "k2", "k3", "k4", "p1", "p2" };

    public static List<SceneView> ReadSplit(string jsonPath, int downscale, float[] background, CancellationToken ct = default)
    {
        InputFiles.CheckRegular(jsonPath, "Transforms file");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(jsonPath), new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidDataException($"{jsonPath}: invalid JSON: {e.Message}", e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{jsonPath}: expected a JSON object at the top level.");
            if (!root.TryGetProperty("frames", out var frames) || frames.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{jsonPath}: no 'frames' array.");
            if (frames.GetArrayLength() == 0) throw new InvalidDataException($"{jsonPath}: the 'frames' array is empty.");
            string dir = Path.GetDirectoryName(Path.GetFullPath(jsonPath))!;
            var views = new List<SceneView>();
            int index = 0;
            foreach (var frame in frames.EnumerateArray())
            {
                ct.ThrowIfCancellationRequested();
                views.Add(ReadFrame(jsonPath, dir, root, frame, index++, downscale, background));
            }
            return views;
        }
    }

    private static SceneView ReadFrame(string jsonPath, string dir, JsonElement root, JsonElement frame, int index, int downscale, float[] background)
    {
        string where = $"{jsonPath}: frame {index}";
        if (frame.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: not a JSON object.");
        if (!frame.TryGetProperty("file_path", out var fp) || fp.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(fp.GetString()))
            throw new InvalidDataException($"{where}: missing 'file_path'.");
        string rel = fp.GetString()!;
        string path = Path.GetFullPath(Path.Combine(dir, rel));
        // Images must live inside the dataset folder: '../' escapes and absolute paths are refused, not followed.
        string inside = Path.EndsInDirectorySeparator(dir) ? dir : dir + Path.DirectorySeparatorChar;
        if (Path.IsPathRooted(rel) || !path.StartsWith(inside, StringComparison.Ordinal))
            throw new InvalidDataException($"{where}: file_path '{rel}' points outside the dataset folder {dir}; image paths must be relative and stay inside it.");
        if (!File.Exists(path))
        {
            string withPng = path + ".png";
            if (!File.Exists(withPng))
                throw new FileNotFoundException($"{where}: image '{rel}' not found (looked for {path} and {withPng}).", withPng);
            path = withPng;
        }
        var matrix = ReadMatrix(frame, where);

        foreach (var key in DistortionKeys)
        {
            double d = Number(frame, root, key, where) ?? 0;
            if (d != 0)
                throw new NotSupportedException($"{where}: lens distortion {key} = {d} is not supported (only undistorted pinhole images); undistort the images first.");
        }

        var (fileW, fileH, hasAlpha) = ImageFiles.ReadInfo(path);
        double w = Number(frame, root, "w", where) ?? fileW;
        double h = Number(frame, root, "h", where) ?? fileH;
        if (!(w >= 1 && w <= InputLimits.MaxImageSide) || !(h >= 1 && h <= InputLimits.MaxImageSide))
            throw new InvalidDataException($"{where}: invalid image size w={w}, h={h} (each must be 1–{InputLimits.MaxImageSide}).");
        double? angleX = Number(frame, root, "camera_angle_x", where), angleY = Number(frame, root, "camera_angle_y", where);
        double? flx = Number(frame, root, "fl_x", where), fly = Number(frame, root, "fl_y", where);
        double fx = flx ?? (angleX is double ax ? Focal(ax, w, "camera_angle_x", where)
                          : angleY is double ay0 ? Focal(ay0, h, "camera_angle_y", where)
                          : throw new InvalidDataException($"{where}: no focal length (need 'fl_x' or 'camera_angle_x')."));
        double fy = fly ?? (angleY is double ay ? Focal(ay, h, "camera_angle_y", where) : fx);
        CheckFocal(fx, w, h, flx is null ? "the focal length from the field of view" : "fl_x", where);
        CheckFocal(fy, w, h, fly is null ? "the vertical focal length" : "fl_y", where);
        double cx = Number(frame, root, "cx", where) ?? w / 2, cy = Number(frame, root, "cy", where) ?? h / 2;

        string name = Path.GetFileNameWithoutExtension(path);
        Camera camera;
        try { camera = PoseConversions.FromOpenGlCameraToWorld(matrix, (int)w, (int)h, fx, fy, cx, cy, name); }
        catch (ArgumentException e) { throw new InvalidDataException($"{where}: {e.Message}", e); }
        // Intrinsics in the json refer to (w, h); the file may differ (pre-resized images) and we may downscale further.
        var (tw, th) = DatasetViews.Scaled(fileW, fileH, downscale, path);
        if (camera.Width != tw || camera.Height != th) camera = camera.Resized(tw, th);
        return DatasetViews.FromFile(camera, path, hasAlpha, background);
    }

    /// <summary>Smallest accepted field of view, radians (0.057°); a smaller one is a corrupt value, not a lens.</summary>
    internal const double MinFieldOfView = 1e-3;

    private static double Focal(double angle, double size, string key, string where)
    {
        if (!(angle >= MinFieldOfView && angle < Math.PI))
            throw new InvalidDataException($"{where}: '{key}' = {angle} is not a field of view in [{MinFieldOfView}, π) radians.");
        return PoseConversions.FocalFromFieldOfView(angle, (int)size);
    }

    // A focal length beyond size / (2·tan(MinFieldOfView / 2)) ≈ 1000 × the image size means a field of view under
    // MinFieldOfView: refused like the angle itself.
    private static void CheckFocal(double f, double w, double h, string what, string where)
    {
        double max = 0.5 * Math.Max(w, h) / Math.Tan(0.5 * MinFieldOfView);
        if (!(f > 0 && f <= max))
            throw new InvalidDataException($"{where}: {what} = {f} pixels is not plausible for a {w}×{h} image (it must be in (0, {max:0}]).");
    }

    private static double[] ReadMatrix(JsonElement frame, string where)
    {
        if (!frame.TryGetProperty("transform_matrix", out var tm) || tm.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{where}: missing 'transform_matrix'.");
        var rows = tm.EnumerateArray().ToList();
        if (rows.Count is not (3 or 4) || rows.Any(r => r.ValueKind != JsonValueKind.Array || r.GetArrayLength() != 4))
            throw new InvalidDataException($"{where}: 'transform_matrix' must be 4×4 (or 3×4).");
        var m = new double[16];
        for (int i = 0; i < rows.Count; i++)
        {
            int j = 0;
            foreach (var v in rows[i].EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !double.IsFinite(d))
                    throw new InvalidDataException($"{where}: 'transform_matrix' has a non-numeric or non-finite entry.");
                m[i * 4 + j++] = d;
            }
        }
        if (rows.Count == 3) m[15] = 1;
        return m;
    }

    private static double? Number(JsonElement frame, JsonElement root, string key, string where)
    {
        JsonElement v;
        if (!frame.TryGetProperty(key, out v) && !root.TryGetProperty(key, out v)) return null;
        if (v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !double.IsFinite(d))
            throw new InvalidDataException($"{where}: '{key}' must be a finite number.");
        return d;
    }
}
