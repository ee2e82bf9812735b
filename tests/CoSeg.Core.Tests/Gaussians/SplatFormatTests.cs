using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using CoSeg.Gaussians;
using CoSeg.Gaussians.Formats;
using CoSeg.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Gaussians;

/// <summary>
/// Every splat format: PLY → format → PLY round trips stay within the format's documented quantisation
/// (docs/data-formats.md), detection is by content, and broken files fail with InvalidDataException naming the file.
/// </summary>
public class SplatFormatTests
{
    /// <summary>A random scene in the formats' ranges: N Gaussians (more than two 256-chunks), given SH degree.</summary>
    internal static GaussianScene RandomScene(int n, int degree, int seed = 1)
    {
        var g = new Random(seed);
        float U(double lo, double hi) => (float)(lo + (hi - lo) * g.NextDouble());
        int k = (degree + 1) * (degree + 1);
        var means = new float[n * 3]; var scales = new float[n * 3]; var rots = new float[n * 4]; var op = new float[n]; var sh = new float[n * k * 3];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < 3; c++) { means[i * 3 + c] = U(-3, 3); scales[i * 3 + c] = U(-5, -1); }
            for (int c = 0; c < 4; c++) rots[i * 4 + c] = U(-1, 1) * 2;  // unnormalised, any sign
            op[i] = U(-4, 4);
            for (int c = 0; c < 3; c++) sh[i * k * 3 + c] = U(-1.5, 1.5);
            for (int j = 3; j < k * 3; j++) sh[i * k * 3 + j] = U(-0.5, 0.5);
        }
        return new GaussianScene(tensor(means, new long[] { n, 3 }), tensor(scales, new long[] { n, 3 }), tensor(rots, new long[] { n, 4 }),
                                 tensor(op, new long[] { n }), tensor(sh, new long[] { n, k, 3 }));
    }

    /// <summary>Largest per-parameter differences between two scenes (rotation as the angle between the rotations).</summary>
    internal static (double Pos, double LogScale, double Angle, double Opacity, double Dc, double ShRest) Errors(GaussianScene a, GaussianScene b)
    {
        double Max(Tensor x) => x.abs().max().item<float>();
        var ra = a.Rotations.to_type(ScalarType.Float64); var rb = b.Rotations.to_type(ScalarType.Float64);
        var qa = ra / ra.norm(1, keepdim: true);
        var qb = rb / rb.norm(1, keepdim: true);
        var dot = (qa * qb).sum(1).abs().clamp(0, 1);
        double angle = (2 * dot.acos()).max().item<double>();
        int k = (int)Math.Min(a.ShCoefficients.shape[1], b.ShCoefficients.shape[1]);
        double rest = k > 1 ? Max(a.ShCoefficients[.., 1..k, ..] - b.ShCoefficients[.., 1..k, ..]) : 0;
        return (Max(a.Means - b.Means), Max(a.LogScales - b.LogScales), angle,
                Max(a.OpacityLogits.sigmoid() - b.OpacityLogits.sigmoid()), Max(a.ShCoefficients[.., 0, ..] - b.ShCoefficients[.., 0, ..]), rest);
    }

    // Documented bounds (docs/data-formats.md), with a little slack for float rounding.
    public static TheoryData<string, int, double, double, double, double, double, double> Bounds => new()
    {
        //  format            SH  position  log-scale  angle  opacity  f_dc     SH rest
        { "spz",              3,  1.3e-4,   0.0313,    0.005, 0.0021, 0.0132,  0.0040 },
        { "spz-v2",           3,  1.3e-4,   0.0313,    0.25,  0.0021, 0.0132,  0.0040 }, // w derived: poor near w = 0
        { "spz-v4",           3,  1.3e-4,   0.0313,    0.005, 0.0021, 0.0132,  0.0040 }, // v3's quantisation, zstd streams
        { "compressed-ply",   3,  3.0e-3,   2.0e-3,    0.005, 0.0021, 0.0060,  0.0158 },
        { "splat",            0,  1e-6,     1e-5,      0.020, 0.0021, 0.0070,  0      },
        { "ply",              3,  0,        0,         1e-6,  0,      0,       0      },
    };

    private static string Extension(string format) => format switch { "spz" or "spz-v2" or "spz-v4" => ".spz", "compressed-ply" => ".compressed.ply", "splat" => ".splat", _ => ".ply" };

    private static void Save(GaussianScene s, string path, string format)
    {
        if (format is "spz-v2" or "spz-v4")
        {
            using var fs = File.Create(path);
            new SpzFormat { WriteVersion = format == "spz-v2" ? 2 : 4 }.Write(s, fs, path);
        }
        else GaussianSceneFile.Save(s, path, format);
    }

    [Theory]
    [MemberData(nameof(Bounds))]
    public void PlyToFormatToPly_StaysWithinQuantisation(string format, int degree, double pos, double logScale, double angle, double opacity, double dc, double rest)
    {
        using var tmp = new TempDir();
        using var original = RandomScene(600, degree);
        string ply = tmp.File("in.ply"), mid = tmp.File("mid" + Extension(format)), back = tmp.File("back.ply");
        original.SavePly(ply);
        using (var fromPly = GaussianSceneFile.Load(ply)) Save(fromPly, mid, format);
        using (var m = GaussianSceneFile.Load(mid)) GaussianSceneFile.Save(m, back);
        using var result = GaussianSceneFile.Load(back);
        Assert.Equal(original.Count, result.Count);
        Assert.Equal(degree, result.ShDegree);
        var e = Errors(original, result);
        Assert.True(e.Pos <= pos + 1e-6, $"position error {e.Pos}");
        Assert.True(e.LogScale <= logScale + 1e-5, $"log-scale error {e.LogScale}");
        Assert.True(e.Angle <= angle, $"rotation angle error {e.Angle}");
        Assert.True(e.Opacity <= opacity + 1e-6, $"opacity error {e.Opacity}");
        Assert.True(e.Dc <= dc + 1e-6, $"f_dc error {e.Dc}");
        Assert.True(e.ShRest <= rest + 1e-6, $"SH rest error {e.ShRest}");
    }

    [Theory]
    [InlineData("spz"), InlineData("compressed-ply"), InlineData("splat"), InlineData("ply")]
    public void Detection_IsByContentNotExtension(string format)
    {
        using var tmp = new TempDir();
        using var s = RandomScene(300, format == "splat" ? 0 : 1);
        string path = tmp.File("scene" + Extension(format));
        GaussianSceneFile.Save(s, path, format);
        string renamed = tmp.File("renamed.bin");
        File.Copy(path, renamed);
        Assert.Equal(format, GaussianSceneFile.Detect(renamed).Name);
        using var loaded = GaussianSceneFile.Load(renamed);
        Assert.Equal(300, loaded.Count);
    }

    [Fact]
    public void UnknownContent_IsRefusedNamingTheFile()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp.File("x.spz"), Encoding.ASCII.GetBytes("hello world, not a splat"));
        var e = Assert.Throws<InvalidDataException>(() => GaussianSceneFile.Load(tmp.File("x.spz")));
        Assert.Contains("x.spz", e.Message);
        Assert.Contains("not a Gaussian scene file", e.Message);
    }

    [Theory]
    [InlineData("spz"), InlineData("spz-v4"), InlineData("compressed-ply"), InlineData("splat"), InlineData("ply")]
    public void TruncatedFiles_AreInvalidData(string format)
    {
        using var tmp = new TempDir();
        using var s = RandomScene(600, format == "splat" ? 0 : 2);
        string path = tmp.File("t" + Extension(format));
        Save(s, path, format);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 6 / 10 + 1)]);
        var f = GaussianSceneFormats.Get(format == "spz-v4" ? "spz" : format);
        using var fs = File.OpenRead(path);
        var e = Assert.ThrowsAny<InvalidDataException>(() => f.Read(fs, path));
        Assert.Contains(path, e.Message);
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    private static byte[] SpzHeader(uint magic, uint version, uint count, byte degree = 0)
    {
        var h = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(h, magic);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), version);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), count);
        h[12] = degree; h[13] = 12;
        return h;
    }

    [Theory]
    [InlineData(0x12345678u, 3u, 1u, "wrong SPZ magic")]
    [InlineData(0x5053474Eu, 1u, 1u, "unsupported SPZ version 1")]
    [InlineData(0x5053474Eu, 4u, 1u, "unsupported SPZ version 4")]
    [InlineData(0x5053474Eu, 3u, 5_000_000u, "cannot hold")]
    [InlineData(0x5053474Eu, 3u, 4_000_000_000u, "too many")]
    public void BadSpzHeaders_AreInvalidData(uint magic, uint version, uint count, string expected)
    {
        var raw = SpzHeader(magic, version, count).Concat(new byte[20]).ToArray();
        using var ms = new MemoryStream(Gzip(raw));
        var e = Assert.Throws<InvalidDataException>(() => new SpzFormat().Read(ms, "bad.spz"));
        Assert.Contains("bad.spz", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void SpzWithNaNData_IsInvalidData()
    {
        // A v3 file whose header says degree 0 and one point; NaN can only come from the float formats, so use .splat.
        var rec = new byte[32];
        BinaryPrimitives.WriteSingleLittleEndian(rec, float.NaN);
        for (int k = 3; k < 6; k++) BinaryPrimitives.WriteSingleLittleEndian(rec.AsSpan(k * 4), 0.1f);
        rec[28] = 255;
        using var ms = new MemoryStream(rec);
        var e = Assert.Throws<InvalidDataException>(() => new AntimatterSplatFormat().Read(ms, "nan.splat"));
        Assert.Contains("nan.splat", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void CompressedPly_ChunkCountMismatch_And_NaNBounds_AreInvalidData()
    {
        using var tmp = new TempDir();
        using var s = RandomScene(600, 1);
        string path = tmp.File("c.compressed.ply");
        GaussianSceneFile.Save(s, path);
        var bytes = File.ReadAllBytes(path);
        string text = Encoding.ASCII.GetString(bytes, 0, 400);
        Assert.Contains("element chunk 3\n", text);
        var bad = (byte[])bytes.Clone();
        int at = text.IndexOf("element chunk 3", StringComparison.Ordinal) + "element chunk ".Length;
        bad[at] = (byte)'4';
        File.WriteAllBytes(tmp.File("count.compressed.ply"), bad);
        var e = Assert.Throws<InvalidDataException>(() => GaussianSceneFile.Load(tmp.File("count.compressed.ply")));
        Assert.Contains("count.compressed.ply", e.Message);
        Assert.Contains("4 chunks do not match 600 vertices", e.Message);

        bad = (byte[])bytes.Clone();
        int body = Encoding.ASCII.GetString(bytes).IndexOf("end_header\n", StringComparison.Ordinal) + "end_header\n".Length;
        BinaryPrimitives.WriteSingleLittleEndian(bad.AsSpan(body + 4), float.NaN); // chunk 0 min_y
        File.WriteAllBytes(tmp.File("nan.compressed.ply"), bad);
        e = Assert.Throws<InvalidDataException>(() => GaussianSceneFile.Load(tmp.File("nan.compressed.ply")));
        Assert.Contains("chunk 0 has a NaN or infinite min_y", e.Message);
    }

    [Fact]
    public void Splat_LengthNotAMultipleOf32_IsInvalidData()
    {
        using var ms = new MemoryStream(new byte[70]);
        var e = Assert.Throws<InvalidDataException>(() => new AntimatterSplatFormat().Read(ms, "odd.splat"));
        Assert.Contains("odd.splat: 70 bytes", e.Message);
    }

    [Fact]
    public void Spz_KnownValues_DecodeToReferenceConventions()
    {
        // One Gaussian, v2, hand-packed: position (1, 2, -0.5) in SPZ axes (right-up-back), identity rotation.
        var body = new List<byte>();
        void P(int v) { body.Add((byte)v); body.Add((byte)(v >> 8)); body.Add((byte)(v >> 16)); }
        P(4096); P(8192); P(-2048);
        body.Add(191);                      // alpha 191/255 = 0.749
        body.AddRange(new byte[] { 128, 128, 166 }); // colours: (b/255 − 0.5)/0.15
        body.AddRange(new byte[] { 128, 144, 160 }); // log-scales b/16 − 10 = −2, −1, 0
        body.AddRange(new byte[] { 128, 128, 128 }); // x, y, z ≈ 0 → w = 1
        using var ms = new MemoryStream(Gzip(SpzHeader(0x5053474E, 2, 1).Concat(body).ToArray()));
        using var s = new SpzFormat().Read(ms, "known.spz");
        var m = s.Means.data<float>().ToArray();
        Assert.Equal(new[] { 1f, -2f, 0.5f }, m); // y and z flip into the PLY's right-down-forward axes
        Assert.Equal(new[] { -2f, -1f, 0f }, s.LogScales.data<float>().ToArray());
        Assert.Equal((166 / 255f - 0.5f) / 0.15f, s.ShCoefficients[0, 0, 2].item<float>(), 5);
        Assert.Equal(191 / 255f, s.OpacityLogits.sigmoid().item<float>(), 5);
        Assert.Equal(1f, s.Rotations[0, 0].item<float>(), 2);
    }
}
