using System.Globalization;
using System.Text;
using CoSeg.Data;
using CoSeg.Gaussians;
using CoSeg.Segmentation;
using CoSeg.Tests.Data;
using SkiaSharp;
using static CoSeg.Tests.Fuzz.FuzzMutations;

namespace CoSeg.Tests.Fuzz;

/// <summary>
/// The fuzz table: every reader of the library with a valid-sample generator, a load function and its specific
/// malformations. Adding a reader is adding one entry to <see cref="All"/> (see tests/CoSeg.Core.Tests/Fuzz/README.md).
/// </summary>
internal static class FuzzReaders
{
    private static readonly float[] White = { 1f, 1f, 1f };

    /// <summary>All readers, by name.</summary>
    public static IReadOnlyList<FuzzReader> All { get; } = new[]
    {
        new FuzzReader("ply-binary", (r, dir) => WritePly(r, dir, ascii: false), (_, f) => GaussianPly.Load(f).Dispose(), PlyMutations(ascii: false)),
        new FuzzReader("ply-ascii", (r, dir) => WritePly(r, dir, ascii: true), (_, f) => GaussianPly.Load(f).Dispose(), PlyMutations(ascii: true)),
        new FuzzReader("npy", WriteNpy, (_, f) => NpyFile.Read(f), NpyMutations()),
        new FuzzReader("llff-poses-npy", WriteLlff, LoadDataset, NpyMutations()),
        new FuzzReader("colmap-cameras-bin", (r, d) => WriteColmap(r, d, binary: true, "cameras.bin"), LoadDataset, new[]
        {
            At("camera-count", 0, Extreme), At("camera-width", 16, Extreme), At("camera-height", 24, Extreme),
            At("camera-model", 12, Extreme, width: 4),
        }),
        new FuzzReader("colmap-images-bin", (r, d) => WriteColmap(r, d, binary: true, "images.bin"), LoadDataset, new[]
        {
            At("image-count", 0, Extreme), At("image-camera-id", 8 + 60, Extreme, width: 4),
            // The first image (id 3, "c.png") has 2 points: its point count follows the 6-byte name.
            At("image-point-count", 8 + 64 + 6, Extreme),
        }),
        new FuzzReader("colmap-points3d-bin", (r, d) => WriteColmap(r, d, binary: true, "points3D.bin"), LoadDataset, new[]
        {
            At("point-count", 0, Extreme), At("track-length", 8 + 8 + 24 + 3 + 8, Extreme),
        }),
        new FuzzReader("colmap-cameras-txt", (r, d) => WriteColmap(r, d, binary: false, "cameras.txt"), LoadDataset, new[]
        {
            Text("camera-width-txt", @"PINHOLE \d+", r => "PINHOLE " + LyingCount(r, 8)),
            Text("camera-height-txt", @"PINHOLE \d+ \d+", r => "PINHOLE 8 " + LyingCount(r, 6)),
            Text("camera-param-txt", @"7\.5", r => r.Next(3) switch { 0 => "nan", 1 => "1e309", _ => "x" }),
            Text("camera-model-txt", "PINHOLE", r => r.Next(2) == 0 ? "OPENCV_FISHEYE" : "BOGUS"),
        }),
        new FuzzReader("colmap-images-txt", (r, d) => WriteColmap(r, d, binary: false, "images.txt"), LoadDataset, new[]
        {
            Text("image-name-txt", @"c\.png", r => r.Next(2) == 0 ? "../../../etc/passwd" : "missing.png"),
            Text("image-quat-txt", @"^3 1 ", r => "3 0 "),
            Text("image-camera-txt", @" 1 c\.png", r => $" {LyingCount(r, 1)} c.png"),
        }),
        new FuzzReader("colmap-points3d-txt", (r, d) => WriteColmap(r, d, binary: false, "points3D.txt"), LoadDataset, new[]
        {
            Text("point-xyz-txt", @"0\.1", r => r.Next(2) == 0 ? "nan" : "1e999"),
            Text("point-rgb-txt", @" 255 ", r => $" {LyingCount(r, 255)} "),
        }),
        new FuzzReader("transforms-json", WriteNerfSynthetic, LoadDataset, new[]
        {
            Text("fov-extreme", @"""camera_angle_x"": [0-9.]+", r => "\"camera_angle_x\": " + r.Next(6) switch { 0 => "1e-300", 1 => "0", 2 => "-1", 3 => "3.2", 4 => "1e308", _ => "\"wide\"" }),
            Text("size-extreme", @"""camera_angle_x""", r => (r.Next(2) == 0 ? "\"w\": 3e9, " : "\"h\": 0.5, ") + "\"camera_angle_x\""),
            Text("focal-extreme", @"""camera_angle_x""", r => (r.Next(2) == 0 ? "\"fl_x\": 1e300, " : "\"fl_x\": -5, ") + "\"camera_angle_x\""),
            Text("path-escape", @"""file_path"": ""[^""]*""", r => "\"file_path\": " + r.Next(3) switch { 0 => "\"../../../../etc/passwd\"", 1 => "\"/etc/passwd\"", _ => "\"./train/../../outside\"" }),
            Text("matrix-bad", @"\[\[1,0,0", r => r.Next(3) switch { 0 => "[[NaN,0,0", 1 => "[[\"1\",0,0", _ => "[[1e999,0,0" }),
            Text("frames-type", @"""frames"": \[", r => r.Next(2) == 0 ? "\"frames\": {\"a\": [" : "\"frames\": [null, "),
            Text("distortion", @"""camera_angle_x""", _ => "\"k1\": 0.1, \"camera_angle_x\""),
        }),
        new FuzzReader("image-png", WritePngImage, (_, f) => ImageFiles.Load(f, White).Dispose(), PngMutations()),
        new FuzzReader("image-jpeg", WriteJpegImage, (_, f) => ImageFiles.Load(f, White).Dispose(), new[]
        {
            new FuzzMutation("jpeg-dimensions", (b, r) => PatchJpegSize(b, r)),
        }),
        new FuzzReader("dataset-image-png", WriteNerfSyntheticImage, LoadDataset, PngMutations()),
        new FuzzReader("label-png", WriteLabelPng, (_, f) => PngLabelReader.Read(f), PngMutations()),
        new FuzzReader("compressed-ply", (r, d) => WriteSplatFile(r, d, "scene.compressed.ply", "compressed-ply"), LoadScene, new[]
        {
            Text("chunk-count", @"element chunk \d+", r => "element chunk " + LyingCount(r, 1)),
            Text("vertex-count", @"element vertex \d+", r => "element vertex " + LyingCount(r, 8)),
            Text("packed-type", @"uint packed_position", r => r.Next(2) == 0 ? "float packed_position" : "uchar packed_position"),
        }),
        new FuzzReader("spz-v3", (r, d) => WriteSplatFile(r, d, "scene.spz", "spz"), LoadScene, SpzMutations()),
        new FuzzReader("spz-v2", (r, d) => WriteSpzV2(r, d), LoadScene, SpzMutations()),
        new FuzzReader("splat", (r, d) => WriteSplatFile(r, d, "scene.splat", "splat"), LoadScene, new[]
        {
            new FuzzMutation("splat-nan-position", (b, r) =>
            {
                if (b.Length < 32) return b;
                var c = (byte[])b.Clone();
                int row = r.Next(c.Length / 32);
                BitConverter.TryWriteBytes(c.AsSpan(row * 32 + 4 * r.Next(6)), r.Next(2) == 0 ? float.NaN : float.PositiveInfinity);
                return c;
            }),
            new FuzzMutation("splat-partial-row", (b, r) => b.Length < 32 ? b : b[..^r.Next(1, 32)]),
        }),
    };

    // ---- Splat formats -------------------------------------------------------------------------------------------
    private static void LoadScene(string dir, string file) => GaussianSceneFile.Load(file).Dispose();

    /// <summary>A small random scene written in one of the registered formats (up to 300 Gaussians: two compressed-PLY chunks).</summary>
    private static string WriteSplatFile(Random r, string dir, string fileName, string format, Action<GaussianScene>? write = null)
    {
        int n = r.Next(1, 300), degree = r.Next(2);
        float F(double lo, double hi) => (float)(lo + (hi - lo) * r.NextDouble());
        var means = Enumerable.Range(0, 3 * n).Select(_ => F(-1, 1)).ToArray();
        var scales = Enumerable.Range(0, 3 * n).Select(_ => F(-5, -2)).ToArray();
        var rots = Enumerable.Range(0, 4 * n).Select(_ => F(-1, 1)).ToArray();
        var opac = Enumerable.Range(0, n).Select(_ => F(-3, 3)).ToArray();
        int k = (degree + 1) * (degree + 1);
        var sh = Enumerable.Range(0, n * k * 3).Select(_ => F(-0.5, 0.5)).ToArray();
        using var scene = new GaussianScene(TorchSharp.torch.tensor(means).reshape(n, 3), TorchSharp.torch.tensor(scales).reshape(n, 3),
                                            TorchSharp.torch.tensor(rots).reshape(n, 4), TorchSharp.torch.tensor(opac),
                                            TorchSharp.torch.tensor(sh).reshape(n, k, 3));
        string path = Path.Combine(dir, fileName);
        if (write is not null) write(scene);
        else GaussianSceneFile.Save(scene, path, format);
        return path;
    }

    private static string WriteSpzV2(Random r, string dir)
    {
        string path = Path.Combine(dir, "scene-v2.spz");
        return WriteSplatFile(r, dir, "scene-v2.spz", "spz", scene =>
        {
            using var fs = File.Create(path);
            new CoSeg.Gaussians.Formats.SpzFormat { WriteVersion = 2 }.Write(scene, fs, path);
        });
    }

    /// <summary>SPZ is a gzip stream: its header fields are patched inside the decompressed bytes and recompressed.</summary>
    private static FuzzMutation[] SpzMutations()
    {
        static FuzzMutation Inside(string name, Func<byte[], Random, byte[]> patch) => new(name, (b, r) =>
        {
            byte[] raw;
            try
            {
                using var gz = new System.IO.Compression.GZipStream(new MemoryStream(b), System.IO.Compression.CompressionMode.Decompress);
                using var ms = new MemoryStream();
                gz.CopyTo(ms);
                raw = ms.ToArray();
            }
            catch (InvalidDataException) { return b; }
            if (raw.Length < 16) return b;
            var patched = patch(raw, r);
            using var outMs = new MemoryStream();
            using (var gz = new System.IO.Compression.GZipStream(outMs, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                gz.Write(patched);
            return outMs.ToArray();
        });
        static byte[] Put32(byte[] raw, int at, uint v) { var c = (byte[])raw.Clone(); System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(at), v); return c; }
        return new[]
        {
            Inside("spz-point-count", (raw, r) => Put32(raw, 8, (uint)Extreme(r))),
            Inside("spz-version", (raw, r) => Put32(raw, 4, new uint[] { 0, 1, 4, 99, uint.MaxValue }[r.Next(5)])),
            Inside("spz-magic", (raw, r) => Put32(raw, 0, (uint)r.Next())),
            Inside("spz-sh-degree", (raw, r) => { var c = (byte[])raw.Clone(); c[12] = (byte)r.Next(4, 256); return c; }),
            Inside("spz-body-truncated", (raw, r) => raw[..(16 + r.Next(Math.Max(1, raw.Length - 16)))]),
        };
    }

    // ---- Loaders -------------------------------------------------------------------------------------------------

    /// <summary>Loads a dataset folder and decodes its first view's image, as training and evaluation would.</summary>
    private static void LoadDataset(string dir, string _)
    {
        using var ds = DatasetLoader.Load(dir);
        var view = ds.AllViews.FirstOrDefault();
        view?.LoadImage().Dispose();
    }

    // ---- PLY -----------------------------------------------------------------------------------------------------

    private static readonly string[] PlyProps = "x y z nx ny nz f_dc_0 f_dc_1 f_dc_2".Split(' ');
    private static readonly string[] PlyTail = "opacity scale_0 scale_1 scale_2 rot_0 rot_1 rot_2 rot_3".Split(' ');

    private static string WritePly(Random r, string dir, bool ascii)
    {
        int n = r.Next(0, 12), degree = r.Next(2);
        var names = PlyProps.Concat(Enumerable.Range(0, degree == 0 ? 0 : 9).Select(i => $"f_rest_{i}")).Concat(PlyTail).ToList();
        if (r.Next(3) == 0) names.Add("label");
        var types = names.Select(nm => nm == "label" ? new[] { "uchar", "int", "double", "float" }[r.Next(4)] : r.Next(8) == 0 ? "double" : "float").ToArray();
        var sb = new StringBuilder($"ply\nformat {(ascii ? "ascii" : "binary_little_endian")} 1.0\ncomment fuzz\nelement vertex {n}\n");
        for (int i = 0; i < names.Count; i++) sb.Append($"property {types[i]} {names[i]}\n");
        sb.Append("end_header\n");
        using var ms = new MemoryStream();
        ms.Write(Encoding.ASCII.GetBytes(sb.ToString()));
        using var bw = new BinaryWriter(ms, Encoding.ASCII, leaveOpen: true);
        for (int v = 0; v < n; v++)
        {
            var row = new List<string>();
            for (int i = 0; i < names.Count; i++)
            {
                double value = names[i].StartsWith("rot_", StringComparison.Ordinal) ? (names[i] == "rot_0" ? 1 : 0.1 * r.NextDouble())
                             : names[i].StartsWith("scale_", StringComparison.Ordinal) ? -4 + r.NextDouble()
                             : types[i] is "uchar" or "int" ? r.Next(200) : 2 * r.NextDouble() - 1;
                if (ascii) row.Add(value.ToString("R", CultureInfo.InvariantCulture));
                else switch (types[i])
                {
                    case "uchar": bw.Write((byte)value); break;
                    case "int": bw.Write((int)value); break;
                    case "double": bw.Write(value); break;
                    default: bw.Write((float)value); break;
                }
            }
            if (ascii) bw.Write(Encoding.ASCII.GetBytes(string.Join(' ', row) + "\n"));
        }
        bw.Flush();
        string path = Path.Combine(dir, "scene.ply");
        File.WriteAllBytes(path, ms.ToArray());
        return path;
    }

    private static FuzzMutation[] PlyMutations(bool ascii)
    {
        var list = new List<FuzzMutation>
        {
            Text("ply-count", @"element vertex \d+", r => "element vertex " + LyingCount(r, 5)),
            Text("ply-type", @"property float (?!x\b)", r => "property " + new[] { "list uchar int ", "bogus ", "double ", "uchar ", "" }[r.Next(5)]),
            Text("ply-format", @"format \S+ 1\.0", r => new[] { "format binary_big_endian 1.0", "format ascii 1.0", "format binary_little_endian 1.0", "format", "format x 1.0" }[r.Next(5)]),
            Text("ply-element", @"element vertex", r => r.Next(2) == 0 ? "element face 3\nelement vertex" : "element vertex 1\nelement vertex"),
            Text("ply-end-header", @"end_header\n", r => r.Next(2) == 0 ? "" : "end_header \r\n"),
            Text("ply-drop-property", @"property float rot_3\n", _ => ""),
            Text("ply-duplicate-property", @"property float x\n", _ => "property float x\nproperty float x\n"),
        };
        if (ascii)
            list.Add(Text("ply-ascii-value", @"(?<=end_header\n)-?[0-9.]+", r => new[] { "nan", "inf", "1e39", "abc", "0x10", "" }[r.Next(6)]));
        return list.ToArray();
    }

    // ---- .npy ----------------------------------------------------------------------------------------------------

    private static string WriteNpy(Random r, string dir)
    {
        var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => (long)r.Next(0, 5)).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var data = Enumerable.Range(0, (int)count).Select(_ => r.NextDouble()).ToArray();
        string path = Path.Combine(dir, "array.npy");
        NpyFile.WriteFloat64(path, data, shape);
        return path;
    }

    private static FuzzMutation[] NpyMutations() => new[]
    {
        Text("npy-shape", @"'shape': \([^)]*\)", r => "'shape': (" + r.Next(5) switch
        {
            0 => "9223372036854775807, 17", 1 => "4611686018427387904, 4", 2 => "-1, 17", 3 => "2147483648,", _ => "1, x",
        } + ")"),
        Text("npy-descr", @"'<f8'", r => new[] { "'<i8'", "'>f8'", "'|O'", "'<f16'", "''" }[r.Next(5)]),
        Text("npy-fortran", @"False", _ => "True"),
        At("npy-header-length", 8, r => r.Next(2) == 0 ? 0xFFFF : FuzzMutations.Extreme(r), width: 4),
        new FuzzMutation("npy-version", (b, r) => { var c = (byte[])b.Clone(); if (c.Length > 6) c[6] = (byte)r.Next(256); return c; }),
    };

    private static string WriteLlff(Random r, string dir)
    {
        int n = r.Next(1, 4), w = 8, h = 6;
        var data = new double[n * 17];
        for (int i = 0; i < n; i++)
        {
            // rotation columns (down, right, back) as identity-like, position, (h, w, focal), near, far
            double[] pose = { 0, 1, 0, 0.1 * i, h, 1, 0, 0, 0, w, 0, 0, -1, 4, 7 };
            pose.CopyTo(data, i * 17);
            data[i * 17 + 15] = 1; data[i * 17 + 16] = 10;
        }
        for (int i = 0; i < n; i++) DatasetFixtures.WritePng(Path.Combine(dir, "images", $"img{i}.png"), w, h, DatasetFixtures.Pattern, opaque: true);
        string path = Path.Combine(dir, "poses_bounds.npy");
        NpyFile.WriteFloat64(path, data, n, 17);
        return path;
    }

    // ---- COLMAP --------------------------------------------------------------------------------------------------

    private static string WriteColmap(Random r, string dir, bool binary, string target)
    {
        string model = Path.Combine(dir, "sparse", "0");
        if (binary) DatasetFixtures.WriteColmapBinary(model); else DatasetFixtures.WriteColmapText(model);
        DatasetFixtures.WriteColmapImages(Path.Combine(dir, "images"), 8, 6);
        return Path.Combine(model, target);
    }

    // ---- transforms.json -----------------------------------------------------------------------------------------

    private static string WriteNerfSynthetic(Random r, string dir)
    {
        int frames = r.Next(1, 3);
        var sb = new StringBuilder("{\"camera_angle_x\": 0.69, \"frames\": [");
        for (int i = 0; i < frames; i++)
        {
            DatasetFixtures.WritePng(Path.Combine(dir, "train", $"r_{i}.png"), 8, 6, DatasetFixtures.Pattern);
            sb.Append(i == 0 ? "" : ", ").Append($"{{\"file_path\": \"./train/r_{i}\", \"transform_matrix\": {DatasetFixtures.Matrix(0.1 * i, 0, 4)}}}");
        }
        sb.Append("]}");
        string path = Path.Combine(dir, "transforms_train.json");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    private static string WriteNerfSyntheticImage(Random r, string dir)
    {
        WriteNerfSynthetic(r, dir);
        string png = Path.Combine(dir, "train", "r_0.png");
        WriteRandomPng(r, png, r.Next(2, 40), r.Next(2, 40));
        return png;
    }

    // ---- Images --------------------------------------------------------------------------------------------------

    private static void WriteRandomPng(Random r, string path, int w, int h)
    {
        bool noisy = r.Next(2) == 0;
        DatasetFixtures.WritePng(path, w, h, (x, y) => noisy ? ((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256)) : DatasetFixtures.Pattern(x % 8, y % 6), opaque: r.Next(2) == 0);
    }

    private static string WritePngImage(Random r, string dir)
    {
        string path = Path.Combine(dir, "image.png");
        WriteRandomPng(r, path, r.Next(1, 40), r.Next(1, 40));
        return path;
    }

    private static string WriteJpegImage(Random r, string dir)
    {
        int w = r.Next(1, 40), h = r.Next(1, 40);
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) bmp.SetPixel(x, y, new SKColor((byte)(x * 6), (byte)(y * 6), (byte)r.Next(256)));
        string path = Path.Combine(dir, "image.jpg");
        using (var fs = File.Create(path)) Assert.True(bmp.Encode(fs, SKEncodedImageFormat.Jpeg, 90));
        return path;
    }

    private static string WriteLabelPng(Random r, string dir)
    {
        int w = r.Next(1, 30), h = r.Next(1, 30);
        string path = Path.Combine(dir, "labels.png");
        if (r.Next(2) == 0) LabelIdPng.Save(Enumerable.Range(0, w * h).Select(_ => r.Next(r.Next(2) == 0 ? 5 : 65536)).ToArray(), w, h, path);
        else WriteRandomPng(r, path, w, h);
        return path;
    }

    private static FuzzMutation[] PngMutations() => new[]
    {
        At("png-width", 16, r => r.Next(3) switch { 0 => 60000, 1 => 0x7FFF_FFFF, _ => FuzzMutations.Extreme(r) }, width: 4, bigEndian: true),
        At("png-height", 20, r => r.Next(3) switch { 0 => 60000, 1 => 0x8000_0000, _ => FuzzMutations.Extreme(r) }, width: 4, bigEndian: true),
        At("png-ihdr-length", 8, r => r.Next(2) == 0 ? 8 : FuzzMutations.Extreme(r), width: 4, bigEndian: true),
        PngSize("png-size-valid-crc", r => r.Next(4) switch
        {
            0 => (60000, 60000), 1 => (16000, 16000), 2 => ((uint)r.Next(1, 5000), (uint)r.Next(1, 5000)), _ => (0x7FFF_FFFF, 1),
        }),
        new FuzzMutation("png-ihdr-fields", (b, r) => { var c = (byte[])b.Clone(); if (c.Length > 28) c[24 + r.Next(5)] = (byte)r.Next(256); return c; }),
        new FuzzMutation("png-truncate-idat", (b, r) => b[..Math.Max(33, b.Length - 12 - r.Next(Math.Max(1, b.Length - 45)))]),
    };

    /// <summary>Writes an extreme height/width into the first SOF marker of a JPEG.</summary>
    private static byte[] PatchJpegSize(byte[] b, Random r)
    {
        var c = (byte[])b.Clone();
        for (int i = 2; i + 8 < c.Length; i++)
            if (c[i] == 0xFF && c[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                ushort v = r.Next(3) switch { 0 => 60000, 1 => 0, _ => 65535 };
                int at = i + 5 + 2 * r.Next(2); // height, then width
                c[at] = (byte)(v >> 8); c[at + 1] = (byte)v;
                return c;
            }
        return c;
    }
}
