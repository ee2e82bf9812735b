using System.Text.Json;
using CoSeg.Common;
using CoSeg.Geometry;

namespace CoSeg.Data;

/// <summary>
/// Reads NeRF-style <c>transforms*.json</c> files (NeRF-synthetic, instant-ngp and nerfstudio): per-frame
/// camera-to-world 4×4 in the Blender/OpenGL convention, intrinsics from <c>fl_x, fl_y, cx, cy, w, h</c> or
/// <c>camera_angle_x/y</c>, global or per frame (frame values win). Lens distortion (<c>k1..k4, p1, p2</c>;
/// <c>camera_model</c> OPENCV / OPENCV_FISHEYE or instant-ngp's <c>is_fisheye</c>) is removed at load; nerfstudio's
/// <c>mask_path</c> becomes the view's valid mask; <c>depth_file_path</c> is ignored with a note.
/// </summary>
internal static class TransformsJsonReader
{
    private const int MissingListed = 5;

    /// <summary>What one transforms file gave besides its views.</summary>
    internal sealed class ReadReport
    {
        public List<string> Skipped { get; } = new();
        public List<string> Notes { get; } = new();
    }

    public static List<SceneView> ReadSplit(string jsonPath, DatasetLoadOptions options, float[] background, ReadReport report,
                                            UndistorterCache cache, CancellationToken ct = default)
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
            if (root.TryGetProperty("applied_transform", out var applied))
            {
                ReadMatrix(root, $"{jsonPath}: 'applied_transform'", "applied_transform");
                report.Notes.Add($"{Path.GetFileName(jsonPath)}: 'applied_transform' is already folded into the frame poses (nerfstudio convention); poses are used as stored.");
            }

            // Resolve every image first, so a missing-image error lists them all.
            var list = frames.EnumerateArray().ToList();
            var paths = new string?[list.Count];
            var missing = new List<string>();
            int depthFrames = 0;
            for (int i = 0; i < list.Count; i++)
            {
                var frame = list[i];
                string where = $"{jsonPath}: frame {i}";
                if (frame.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: not a JSON object.");
                if (!frame.TryGetProperty("file_path", out var fp) || fp.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(fp.GetString()))
                    throw new InvalidDataException($"{where}: missing 'file_path'.");
                string rel = fp.GetString()!;
                string path = ResolveInside(dir, rel, where, "file_path");
                if (!File.Exists(path) && File.Exists(path + ".png")) path += ".png";
                if (File.Exists(path)) paths[i] = path;
                else missing.Add(rel);
                if (frame.TryGetProperty("depth_file_path", out _)) depthFrames++;
            }
            if (depthFrames > 0)
                report.Notes.Add($"{Path.GetFileName(jsonPath)}: 'depth_file_path' of {depthFrames} frame(s) ignored (depth supervision is not used).");
            if (missing.Count > 0)
            {
                string listed = string.Join(", ", missing.Take(MissingListed)) + (missing.Count > MissingListed ? $", … ({missing.Count - MissingListed} more)" : "");
                if (!options.SkipMissingImages || missing.Count == list.Count)
                    throw new FileNotFoundException(
                        $"{jsonPath}: {missing.Count} of {list.Count} frames have no image file: {listed}" +
                        (missing.Count == list.Count ? " (no frame has an image)." : ". Set DatasetLoadOptions.SkipMissingImages (--skip-missing-images) to load the others."),
                        Path.Combine(dir, missing[0]));
                report.Skipped.AddRange(missing.Select(m => Path.Combine(dir, m)));
            }

            var views = new List<SceneView>();
            for (int i = 0; i < list.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                if (paths[i] is null) continue;
                views.Add(ReadFrame(jsonPath, dir, root, list[i], i, paths[i]!, options.Downscale, background, cache));
            }
            return views;
        }
    }

    private static SceneView ReadFrame(string jsonPath, string dir, JsonElement root, JsonElement frame, int index, string path,
                                       int downscale, float[] background, UndistorterCache cache)
    {
        string where = $"{jsonPath}: frame {index}";
        var matrix = ReadMatrix(frame, where, "transform_matrix");
        var (model, distortion) = ReadDistortion(frame, root, where);

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

        string? maskPath = null;
        if (frame.TryGetProperty("mask_path", out var mp) && mp.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(mp.GetString()))
        {
            maskPath = ResolveInside(dir, mp.GetString()!, where, "mask_path");
            if (!File.Exists(maskPath)) throw new FileNotFoundException($"{where}: mask '{mp.GetString()}' not found ({maskPath}).", maskPath);
        }
        try { return DatasetViews.FromFile(camera, path, hasAlpha, background, distortion, model, maskPath, cache); }
        catch (InvalidDataException e) when (!e.Message.Contains(path, StringComparison.Ordinal) && !e.Message.Contains(jsonPath, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{where}: {e.Message}", e);   // a lens error knows only the camera: name the file and frame
        }
    }

    /// <summary>
    /// <paramref name="rel"/> resolved against the dataset folder. Files must live inside it: '../' escapes and absolute
    /// paths are refused, not followed.
    /// </summary>
    private static string ResolveInside(string dir, string rel, string where, string key)
    {
        string path = Path.GetFullPath(Path.Combine(dir, rel));
        string inside = Path.EndsInDirectorySeparator(dir) ? dir : dir + Path.DirectorySeparatorChar;
        if (Path.IsPathRooted(rel) || !path.StartsWith(inside, StringComparison.Ordinal))
            throw new InvalidDataException($"{where}: {key} '{rel}' points outside the dataset folder {dir}; paths must be relative and stay inside it.");
        return path;
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


    /// <summary>The frame's camera model and lens (frame keys win over top-level keys); null lens for pinhole.</summary>
    internal static (string Model, LensDistortion? Lens) ReadDistortion(JsonElement frame, JsonElement root, string where)
    {
        string? model = null;
        if ((frame.TryGetProperty("camera_model", out var cm) || root.TryGetProperty("camera_model", out cm)) && cm.ValueKind == JsonValueKind.String)
            model = cm.GetString();
        bool isFisheye = (frame.TryGetProperty("is_fisheye", out var f) || root.TryGetProperty("is_fisheye", out f)) && f.ValueKind == JsonValueKind.True;
        if (model is not (null or "OPENCV" or "OPENCV_FISHEYE" or "PINHOLE" or "SIMPLE_PINHOLE"))
            throw new NotSupportedException($"{where}: camera_model '{model}' is not supported (PINHOLE, SIMPLE_PINHOLE, OPENCV and OPENCV_FISHEYE are).");
        double K(string key) => Number(frame, root, key, where) ?? 0;
        double k1 = K("k1"), k2 = K("k2"), k3 = K("k3"), k4 = K("k4"), p1 = K("p1"), p2 = K("p2");
        try
        {
            if (model == "OPENCV_FISHEYE" || isFisheye)
            {
                if (p1 != 0 || p2 != 0) throw new InvalidDataException($"{where}: the fisheye model has no tangential terms, but p1={p1}, p2={p2}.");
                return ("OPENCV_FISHEYE", new FisheyeDistortion(k1, k2, k3, k4));
            }
            if (model is "PINHOLE" or "SIMPLE_PINHOLE")
            {
                if (k1 != 0 || k2 != 0 || k3 != 0 || k4 != 0 || p1 != 0 || p2 != 0)
                    throw new InvalidDataException($"{where}: camera_model {model} but distortion coefficients are non-zero.");
                return (model, null);
            }
            var lens = new RadialTangentialDistortion(k1, k2, p1, p2, k3, r8: k4);
            return lens.IsIdentity ? (model ?? "PINHOLE", null) : ("OPENCV", lens);
        }
        catch (ArgumentException e) { throw new InvalidDataException($"{where}: {e.Message}", e); }
    }

    /// <summary>
    /// The cube instant-ngp treats as the scene (its unit cube [0, 1]³ mapped back to the file's frame): instant-ngp maps
    /// a position p to p·scale + offset (then cycles the axes), with defaults scale 0.33 and offset (0.5, 0.5, 0.5), so
    /// the content lies in the cube of centre (0.5 − offset)/scale and half-side 0.5/scale (±1.5 by default, around the
    /// origin that colmap2nerf.py moves the cameras' centre of attention to). <c>aabb_scale</c> only widens the region
    /// for background and is not used. Null for nerfstudio files (<c>camera_model</c> or <c>applied_transform</c>),
    /// which make no such promise.
    /// </summary>
    internal static SceneCube? ReadInstantNgpCube(string jsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(jsonPath), new JsonDocumentOptions { AllowTrailingCommas = true });
        var root = doc.RootElement;
        if (root.TryGetProperty("camera_model", out _) || root.TryGetProperty("applied_transform", out _)) return null;
        double scale = Number(root, root, "scale", jsonPath) ?? 0.33;
        if (!(scale > 0) || !double.IsFinite(scale)) throw new InvalidDataException($"{jsonPath}: 'scale' must be a positive number, got {scale}.");
        var offset = new[] { 0.5, 0.5, 0.5 };
        if (root.TryGetProperty("offset", out var off) && off.ValueKind != JsonValueKind.Null)
        {
            if (off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 3
                || off.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble())))
                throw new InvalidDataException($"{jsonPath}: 'offset' must be an array of 3 finite numbers.");
            offset = off.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        }
        return new SceneCube((0.5 - offset[0]) / scale, (0.5 - offset[1]) / scale, (0.5 - offset[2]) / scale, 0.5 / scale);
    }

    private static double[] ReadMatrix(JsonElement frame, string where, string key)
    {
        if (!frame.TryGetProperty(key, out var tm) || tm.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{where}: missing '{key}'.");
        var rows = tm.EnumerateArray().ToList();
        if (rows.Count is not (3 or 4) || rows.Any(r => r.ValueKind != JsonValueKind.Array || r.GetArrayLength() != 4))
            throw new InvalidDataException($"{where}: '{key}' must be 4×4 (or 3×4).");
        var m = new double[16];
        for (int i = 0; i < rows.Count; i++)
        {
            int j = 0;
            foreach (var v in rows[i].EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !double.IsFinite(d))
                    throw new InvalidDataException($"{where}: '{key}' has a non-numeric or non-finite entry.");
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
