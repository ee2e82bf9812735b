using System.Text.Json;
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
        if (!File.Exists(jsonPath)) throw new FileNotFoundException($"Transforms file not found: {jsonPath}", jsonPath);
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
        if (!(w > 0) || !(h > 0)) throw new InvalidDataException($"{where}: invalid image size w={w}, h={h}.");
        double? angleX = Number(frame, root, "camera_angle_x", where), angleY = Number(frame, root, "camera_angle_y", where);
        double? flx = Number(frame, root, "fl_x", where), fly = Number(frame, root, "fl_y", where);
        double fx = flx ?? (angleX is double ax ? PoseConversions.FocalFromFieldOfView(ax, (int)w)
                          : angleY is double ay0 ? PoseConversions.FocalFromFieldOfView(ay0, (int)h)
                          : throw new InvalidDataException($"{where}: no focal length (need 'fl_x' or 'camera_angle_x')."));
        double fy = fly ?? (angleY is double ay ? PoseConversions.FocalFromFieldOfView(ay, (int)h) : fx);
        double cx = Number(frame, root, "cx", where) ?? w / 2, cy = Number(frame, root, "cy", where) ?? h / 2;

        string name = Path.GetFileNameWithoutExtension(path);
        Camera camera;
        try { camera = PoseConversions.FromOpenGlCameraToWorld(matrix, (int)w, (int)h, fx, fy, cx, cy, name); }
        catch (ArgumentException e) { throw new InvalidDataException($"{where}: {e.Message}", e); }
        // Intrinsics in the json refer to (w, h); the file may differ (pre-resized images) and we may downscale further.
        var (tw, th) = DatasetViews.Scaled(fileW, fileH, downscale);
        if (camera.Width != tw || camera.Height != th) camera = camera.Resized(tw, th);
        return DatasetViews.FromFile(camera, path, hasAlpha, background);
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
                if (v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble()))
                    throw new InvalidDataException($"{where}: 'transform_matrix' has a non-numeric or non-finite entry.");
                m[i * 4 + j++] = v.GetDouble();
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
        if (v.ValueKind != JsonValueKind.Number) throw new InvalidDataException($"{where}: '{key}' must be a number.");
        return v.GetDouble();
    }
}
