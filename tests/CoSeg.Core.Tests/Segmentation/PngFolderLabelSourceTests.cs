using System.Buffers.Binary;
using System.IO.Compression;
using CoSeg.Geometry;
using CoSeg.Segmentation;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Segmentation;

public class PngFolderLabelSourceTests
{
    /// <summary>Minimal PNG encoder for tests (filter byte per row chosen to exercise the decoder's filters).</summary>
    internal static void WritePng(string path, int w, int h, int colorType, int bitDepth, Func<int, int, byte[]> pixel, byte[]? palette = null)
    {
        var raw = new MemoryStream();
        byte[]? prev = null;
        for (int y = 0; y < h; y++)
        {
            var row = Enumerable.Range(0, w).SelectMany(x => pixel(x, y)).ToArray();
            int filter = y % 3 == 0 ? 0 : y % 3 == 1 ? 1 : 2;    // none, sub, up
            int bpp = row.Length / w;
            var enc = new byte[row.Length];
            for (int i = 0; i < row.Length; i++)
                enc[i] = filter switch { 0 => row[i], 1 => (byte)(row[i] - (i >= bpp ? row[i - bpp] : 0)), _ => (byte)(row[i] - (prev?[i] ?? 0)) };
            raw.WriteByte((byte)filter); raw.Write(enc);
            prev = row;
        }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zs.Write(raw.ToArray());
        using var f = File.Create(path);
        f.Write(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w); BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = (byte)bitDepth; ihdr[9] = (byte)colorType;
        Chunk(f, "IHDR", ihdr);
        if (palette is not null) Chunk(f, "PLTE", palette);
        Chunk(f, "IDAT", z.ToArray());
        Chunk(f, "IEND", Array.Empty<byte>());
    }

    private static void Chunk(Stream s, string type, byte[] body)
    {
        var len = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(len, body.Length);
        s.Write(len); s.Write(System.Text.Encoding.ASCII.GetBytes(type)); s.Write(body);
        s.Write(new byte[4]);   // CRC (not checked by the reader)
    }

    private static SegmentationView View(string name, int w, int h) =>
        new(name, new Camera(w, h, 10, 10, w / 2.0, h / 2.0, new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 0 }), null);

    [Fact]
    public void ReadsGray8Gray16AndPaletteIds()
    {
        using var dir = new TempDir();
        WritePng(dir.File("a.png"), 5, 4, 0, 8, (x, y) => new[] { (byte)(x + y) });
        WritePng(dir.File("b.png"), 5, 4, 0, 16, (x, y) => new[] { (byte)(x == 0 ? 1 : 0), (byte)(y * 10 + x) });   // big-endian 16-bit
        WritePng(dir.File("c.png"), 5, 4, 3, 8, (x, y) => new[] { (byte)(x % 3) }, new byte[] { 0, 0, 0, 255, 0, 0, 0, 255, 0 });
        var src = new PngFolderLabelSource(dir.Path);
        using var a = src.GetLabels(View("a", 5, 4))!;
        using var b = src.GetLabels(View("sub/b.jpg", 5, 4))!;
        using var c = src.GetLabels(View("c", 5, 4))!;
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 5; x++)
            {
                Assert.Equal(x + y, a[y, x].item<long>());
                Assert.Equal((x == 0 ? 256 : 0) + y * 10 + x, b[y, x].item<long>());
                Assert.Equal(x % 3, c[y, x].item<long>());
            }
    }

    [Fact]
    public void ColourCodedIdsAreConsistentAcrossViews()
    {
        using var dir = new TempDir();
        byte[] red = { 200, 0, 0 }, blue = { 0, 0, 200 }, black = { 0, 0, 0 };
        WritePng(dir.File("v1.png"), 4, 2, 2, 8, (x, y) => x < 2 ? red : blue);
        WritePng(dir.File("v2.png"), 4, 2, 6, 8, (x, y) => (x < 2 ? blue : x == 3 ? black : red).Append((byte)255).ToArray());
        var src = new PngFolderLabelSource(dir.Path);
        using var l1 = src.GetLabels(View("v1", 4, 2))!;
        using var l2 = src.GetLabels(View("v2", 4, 2))!;
        long idRed = l1[0, 0].item<long>(), idBlue = l1[0, 3].item<long>();
        Assert.NotEqual(idRed, idBlue);
        Assert.Equal(new long[] { idBlue, idBlue, idRed, 0 }, l2[1].data<long>().ToArray());
        Assert.Equal(1, idBlue);   // 0x0000C8 < 0xC80000
    }

    [Fact]
    public void WrongSizeMissingFileAndNonPng()
    {
        using var dir = new TempDir();
        WritePng(dir.File("a.png"), 5, 4, 0, 8, (x, y) => new byte[] { 1 });
        File.WriteAllText(dir.File("bad.png"), "not a png");
        var src = new PngFolderLabelSource(dir.Path);
        var e = Assert.Throws<ArgumentException>(() => src.GetLabels(View("a", 6, 4)));
        Assert.Contains("a.png", e.Message);
        Assert.Null(src.GetLabels(View("missing", 5, 4)));
        Assert.Throws<InvalidDataException>(() => src.GetLabels(View("bad", 5, 4)));
        Assert.Throws<DirectoryNotFoundException>(() => new PngFolderLabelSource(dir.File("nope")));
    }
}
