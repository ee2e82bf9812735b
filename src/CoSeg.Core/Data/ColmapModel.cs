using System.Globalization;
using System.Text;
using CoSeg.Common;

namespace CoSeg.Data;

/// <summary>A COLMAP camera: model name, size and parameters as stored.</summary>
internal sealed record ColmapCamera(int Id, string Model, int Width, int Height, double[] Params);

/// <summary>A COLMAP image: world-to-camera quaternion (w, x, y, z) and translation, its camera and file name.</summary>
internal sealed record ColmapImage(int Id, double Qw, double Qx, double Qy, double Qz, double Tx, double Ty, double Tz, int CameraId, string Name);

/// <summary>
/// A COLMAP sparse model (cameras, images, points3D) read from the binary (<c>.bin</c>) or text (<c>.txt</c>) files,
/// following COLMAP's documented layouts. Each part may be read separately.
/// </summary>
internal sealed class ColmapModel
{
    // Model id → (name, parameter count), as COLMAP numbers them.
    internal static readonly (string Name, int Params)[] Models =
    {
        ("SIMPLE_PINHOLE", 3), ("PINHOLE", 4), ("SIMPLE_RADIAL", 4), ("RADIAL", 5), ("OPENCV", 8), ("OPENCV_FISHEYE", 8),
        ("FULL_OPENCV", 12), ("FOV", 5), ("SIMPLE_RADIAL_FISHEYE", 4), ("RADIAL_FISHEYE", 5), ("THIN_PRISM_FISHEYE", 12),
    };

    public Dictionary<int, ColmapCamera> Cameras { get; } = new();
    public List<ColmapImage> Images { get; } = new();

    /// <summary>Reads cameras and images from a model folder (binary preferred when both exist).</summary>
    public static ColmapModel ReadCamerasAndImages(string folder)
    {
        var model = new ColmapModel();
        string camBin = Path.Combine(folder, "cameras.bin"), camTxt = Path.Combine(folder, "cameras.txt");
        string imgBin = Path.Combine(folder, "images.bin"), imgTxt = Path.Combine(folder, "images.txt");
        if (File.Exists(camBin)) ReadCamerasBinary(camBin, model.Cameras);
        else if (File.Exists(camTxt)) ReadCamerasText(camTxt, model.Cameras);
        else throw new FileNotFoundException($"COLMAP model {folder}: neither cameras.bin nor cameras.txt exists.");
        if (File.Exists(imgBin)) ReadImagesBinary(imgBin, model.Images);
        else if (File.Exists(imgTxt)) ReadImagesText(imgTxt, model.Images);
        else throw new FileNotFoundException($"COLMAP model {folder}: neither images.bin nor images.txt exists.");
        return model;
    }

    /// <summary>Reads points (x, y, z) and colours (r, g, b in [0, 1]) from points3D.bin or points3D.txt in a folder; null if neither exists.</summary>
    public static (float[] Xyz, float[] Rgb)? ReadPoints(string folder)
    {
        string bin = Path.Combine(folder, "points3D.bin"), txt = Path.Combine(folder, "points3D.txt");
        if (File.Exists(bin)) return ReadPointsBinary(bin);
        if (File.Exists(txt)) return ReadPointsText(txt);
        return null;
    }

    private static string ModelName(int id, string file, long cameraId)
        => id >= 0 && id < Models.Length ? Models[id].Name
           : throw new InvalidDataException($"{file}: camera {cameraId} has unknown COLMAP camera model id {id} (known ids are 0–{Models.Length - 1}).");

    internal static void ReadCamerasBinary(string path, Dictionary<int, ColmapCamera> cameras)
    {
        using var r = OpenBinary(path);
        try
        {
            ulong n = r.ReadUInt64();
            // Each camera record holds at least id, model, width, height and three parameters: 48 bytes.
            if (n > (ulong)(Remaining(r) / 48)) throw new InvalidDataException($"{path}: the file declares {n} cameras but has room for at most {Remaining(r) / 48}; it is truncated or corrupt.");
            for (ulong i = 0; i < n; i++)
            {
                int id = r.ReadInt32();
                int modelId = r.ReadInt32();
                string name = ModelName(modelId, path, id);
                ulong w64 = r.ReadUInt64(), h64 = r.ReadUInt64();
                if (w64 < 1 || h64 < 1 || w64 > InputLimits.MaxImageSide || h64 > InputLimits.MaxImageSide)
                    throw new InvalidDataException($"{path}: camera {id} has image size {w64}×{h64} (each side must be 1–{InputLimits.MaxImageSide}).");
                int w = (int)w64, h = (int)h64;
                var p = new double[Models[modelId].Params];
                for (int k = 0; k < p.Length; k++) p[k] = r.ReadDouble();
                cameras[id] = new ColmapCamera(id, name, w, h, p);
            }
        }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path}: truncated COLMAP cameras file."); }
    }

    internal static void ReadCamerasText(string path, Dictionary<int, ColmapCamera> cameras)
    {
        InputFiles.CheckRegular(path, "COLMAP file");
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 4) throw new InvalidDataException($"{path}:{lineNo}: expected 'CAMERA_ID MODEL WIDTH HEIGHT PARAMS…'.");
            int id = ParseInt(f[0], path, lineNo);
            int modelId = Array.FindIndex(Models, m => m.Name == f[1]);
            if (modelId < 0) throw new InvalidDataException($"{path}:{lineNo}: camera {id} has unknown COLMAP camera model '{f[1]}'.");
            int np = Models[modelId].Params;
            if (f.Length != 4 + np) throw new InvalidDataException($"{path}:{lineNo}: camera model {f[1]} needs {np} parameters, got {f.Length - 4}.");
            var p = f.Skip(4).Select(s => ParseDouble(s, path, lineNo)).ToArray();
            cameras[id] = new ColmapCamera(id, f[1], ParseSide(f[2], path, lineNo, "width"), ParseSide(f[3], path, lineNo, "height"), p);
        }
    }

    internal static void ReadImagesBinary(string path, List<ColmapImage> images)
    {
        using var r = OpenBinary(path);
        try
        {
            ulong n = r.ReadUInt64();
            // Each image record holds at least id, pose, camera id, a one-byte name and a point count: 73 bytes.
            if (n > (ulong)(Remaining(r) / 73)) throw new InvalidDataException($"{path}: the file declares {n} images but has room for at most {Remaining(r) / 73}; it is truncated or corrupt.");
            for (ulong i = 0; i < n; i++)
            {
                int id = r.ReadInt32();
                double qw = r.ReadDouble(), qx = r.ReadDouble(), qy = r.ReadDouble(), qz = r.ReadDouble();
                double tx = r.ReadDouble(), ty = r.ReadDouble(), tz = r.ReadDouble();
                int cam = r.ReadInt32();
                var name = new StringBuilder();
                for (byte b; (b = r.ReadByte()) != 0;) name.Append((char)b);
                ulong np = r.ReadUInt64();
                if (np > (ulong)(Remaining(r) / 24))
                    throw new InvalidDataException($"{path}: image {id} declares {np} 2-D points but only {Remaining(r)} bytes remain (24 per point); the file is truncated or corrupt.");
                r.BaseStream.Seek((long)np * 24, SeekOrigin.Current); // x, y (double) + point3D id (int64)
                images.Add(new ColmapImage(id, qw, qx, qy, qz, tx, ty, tz, cam, Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(name.ToString()))));
            }
        }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path}: truncated COLMAP images file."); }
    }

    internal static void ReadImagesText(string path, List<ColmapImage> images)
    {
        InputFiles.CheckRegular(path, "COLMAP file");
        var lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            // Header line; the next line holds the 2-D points (possibly empty) and is skipped.
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10) throw new InvalidDataException($"{path}:{i + 1}: expected 'IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME'.");
            double D(int k) => ParseDouble(f[k], path, i + 1);
            images.Add(new ColmapImage(ParseInt(f[0], path, i + 1), D(1), D(2), D(3), D(4), D(5), D(6), D(7),
                                       ParseInt(f[8], path, i + 1), string.Join(' ', f.Skip(9))));
            i++;
        }
    }

    internal static (float[] Xyz, float[] Rgb) ReadPointsBinary(string path)
    {
        using var r = OpenBinary(path);
        try
        {
            ulong n = r.ReadUInt64();
            if (n > (ulong)(r.BaseStream.Length / 43)) throw new EndOfStreamException();
            var xyz = new float[n * 3]; var rgb = new float[n * 3];
            for (ulong i = 0; i < n; i++)
            {
                r.ReadUInt64();
                xyz[i * 3] = (float)r.ReadDouble(); xyz[i * 3 + 1] = (float)r.ReadDouble(); xyz[i * 3 + 2] = (float)r.ReadDouble();
                rgb[i * 3] = r.ReadByte() / 255f; rgb[i * 3 + 1] = r.ReadByte() / 255f; rgb[i * 3 + 2] = r.ReadByte() / 255f;
                r.ReadDouble(); // reprojection error
                ulong track = r.ReadUInt64();
                if (track > (ulong)(Remaining(r) / 8))
                    throw new InvalidDataException($"{path}: point {i} declares a track of {track} entries but only {Remaining(r)} bytes remain (8 per entry); the file is truncated or corrupt.");
                r.BaseStream.Seek((long)track * 8, SeekOrigin.Current);
            }
            return (xyz, rgb);
        }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path}: truncated COLMAP points3D file."); }
    }

    internal static (float[] Xyz, float[] Rgb) ReadPointsText(string path)
    {
        var xyz = new List<float>(); var rgb = new List<float>();
        if (InputFiles.CheckRegularMaybeEmpty(path, "COLMAP file") == 0) return (xyz.ToArray(), rgb.ToArray());
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 8) throw new InvalidDataException($"{path}:{lineNo}: expected 'POINT3D_ID X Y Z R G B ERROR TRACK…'.");
            for (int k = 1; k <= 3; k++) xyz.Add((float)ParseDouble(f[k], path, lineNo));
            for (int k = 4; k <= 6; k++) rgb.Add(ParseInt(f[k], path, lineNo) / 255f);
        }
        return (xyz.ToArray(), rgb.ToArray());
    }

    private static BinaryReader OpenBinary(string path) => new(InputFiles.OpenRead(path, "COLMAP file"));

    private static long Remaining(BinaryReader r) => Math.Max(0, r.BaseStream.Length - r.BaseStream.Position);

    private static int ParseSide(string s, string path, int line, string what)
    {
        int v = ParseInt(s, path, line);
        return v >= 1 && v <= InputLimits.MaxImageSide ? v
            : throw new InvalidDataException($"{path}:{line}: camera {what} {v} is outside 1–{InputLimits.MaxImageSide}.");
    }

    private static int ParseInt(string s, string path, int line)
        => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
           : throw new InvalidDataException($"{path}:{line}: '{s}' is not an integer.");

    private static double ParseDouble(string s, string path, int line)
        => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
           : throw new InvalidDataException($"{path}:{line}: '{s}' is not a number.");
}
