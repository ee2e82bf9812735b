using System.Globalization;
using System.Text;
using CoSeg.Data;
using SkiaSharp;

namespace CoSeg.Tests.Data;

/// <summary>Writes tiny datasets of every format by hand (SkiaSharp PNGs, JSON, .npy, COLMAP text and binary).</summary>
internal static class DatasetFixtures
{
    /// <summary>Writes an RGBA (or RGB when opaque) PNG; pixel (x, y) = f(x, y) as bytes.</summary>
    public static void WritePng(string path, int w, int h, Func<int, int, (byte R, byte G, byte B, byte A)> f, bool opaque = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var (r, g, b, a) = f(x, y);
                bmp.SetPixel(x, y, new SKColor(r, g, b, opaque ? (byte)255 : a));
            }
        using var fs = File.Create(path);
        Assert.True(bmp.Encode(fs, SKEncodedImageFormat.Png, 100));
    }

    public static (byte, byte, byte, byte) Pattern(int x, int y) => ((byte)(10 + 30 * x), (byte)(20 + 30 * y), (byte)(200 - 10 * x - 5 * y), (byte)(x == 0 ? 0 : 255 - 50 * y));

    public static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An OpenGL camera-to-world 4×4 as JSON rows: identity rotation, position (px, py, pz).</summary>
    public static string Matrix(double px, double py, double pz)
        => $"[[1,0,0,{F(px)}],[0,1,0,{F(py)}],[0,0,1,{F(pz)}],[0,0,0,1]]";

    /// <summary>A camera of a tiny COLMAP model.</summary>
    public sealed record Cam(int Id, string Model, int Model_Id, int W, int H, double[] P);
    /// <summary>An image of a tiny COLMAP model.</summary>
    public sealed record Img(int Id, double[] Q, double[] T, int CameraId, string Name);

    public static readonly Cam[] ColmapCameras =
    {
        new(1, "PINHOLE", 1, 8, 6, new[] { 7.5, 7.25, 4.0, 3.0 }),
        new(2, "SIMPLE_RADIAL", 2, 8, 6, new[] { 6.5, 3.75, 3.25, 0.0 }),
    };

    public static readonly Img[] ColmapImages =
    {
        new(3, new[] { 1.0, 0, 0, 0 }, new[] { 0.0, 0, 4 }, 1, "c.png"),
        new(1, new[] { Math.Sqrt(0.5), 0, Math.Sqrt(0.5), 0 }, new[] { 0.5, -0.25, 3 }, 2, "a.png"),
        new(2, new[] { 0.9, 0.1, -0.3, 0.2 }, new[] { -1.0, 0.5, 5 }, 1, "b.png"),
    };

    public static readonly (double X, double Y, double Z, byte R, byte G, byte B)[] ColmapPoints =
    {
        (0.1, 0.2, 0.3, 255, 0, 10), (-1.5, 2.5, 0.75, 1, 2, 3),
    };

    public static void WriteColmapText(string dir, Cam[]? cams = null)
    {
        Directory.CreateDirectory(dir);
        var sb = new StringBuilder("# Camera list with one line of data per camera:\n#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n");
        foreach (var c in cams ?? ColmapCameras) sb.Append($"{c.Id} {c.Model} {c.W} {c.H} {string.Join(" ", c.P.Select(F))}\n");
        File.WriteAllText(Path.Combine(dir, "cameras.txt"), sb.ToString());
        sb = new StringBuilder("# Image list with two lines of data per image:\n");
        foreach (var i in ColmapImages)
        {
            sb.Append($"{i.Id} {string.Join(" ", i.Q.Select(F))} {string.Join(" ", i.T.Select(F))} {i.CameraId} {i.Name}\n");
            sb.Append(i.Id == 1 ? "\n" : "1.5 2.5 -1 3.5 4.5 7\n"); // an empty points line must be handled too
        }
        File.WriteAllText(Path.Combine(dir, "images.txt"), sb.ToString());
        sb = new StringBuilder("# 3D point list\n");
        int id = 1;
        foreach (var p in ColmapPoints) sb.Append($"{id++} {F(p.X)} {F(p.Y)} {F(p.Z)} {p.R} {p.G} {p.B} 0.5 3 0 1 1\n");
        File.WriteAllText(Path.Combine(dir, "points3D.txt"), sb.ToString());
    }

    public static void WriteColmapBinary(string dir, Cam[]? cams = null)
    {
        Directory.CreateDirectory(dir);
        using (var bw = new BinaryWriter(File.Create(Path.Combine(dir, "cameras.bin"))))
        {
            var list = cams ?? ColmapCameras;
            bw.Write((ulong)list.Length);
            foreach (var c in list)
            {
                bw.Write(c.Id); bw.Write(c.Model_Id); bw.Write((ulong)c.W); bw.Write((ulong)c.H);
                foreach (var p in c.P) bw.Write(p);
            }
        }
        using (var bw = new BinaryWriter(File.Create(Path.Combine(dir, "images.bin"))))
        {
            bw.Write((ulong)ColmapImages.Length);
            foreach (var i in ColmapImages)
            {
                bw.Write(i.Id); foreach (var q in i.Q) bw.Write(q); foreach (var t in i.T) bw.Write(t);
                bw.Write(i.CameraId); bw.Write(Encoding.UTF8.GetBytes(i.Name)); bw.Write((byte)0);
                int n = i.Id == 1 ? 0 : 2;
                bw.Write((ulong)n);
                for (int k = 0; k < n; k++) { bw.Write(1.5 + k); bw.Write(2.5); bw.Write((long)-1); }
            }
        }
        using (var bw = new BinaryWriter(File.Create(Path.Combine(dir, "points3D.bin"))))
        {
            bw.Write((ulong)ColmapPoints.Length);
            ulong id = 1;
            foreach (var p in ColmapPoints)
            {
                bw.Write(id++); bw.Write(p.X); bw.Write(p.Y); bw.Write(p.Z); bw.Write(p.R); bw.Write(p.G); bw.Write(p.B);
                bw.Write(0.5); bw.Write((ulong)2); bw.Write(3); bw.Write(0); bw.Write(1); bw.Write(1);
            }
        }
    }

    public static void WriteColmapImages(string folder, int w, int h)
    {
        foreach (var i in ColmapImages) WritePng(Path.Combine(folder, i.Name), w, h, Pattern, opaque: true);
    }
}
