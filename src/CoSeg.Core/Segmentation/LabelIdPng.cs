using System.Buffers.Binary;
using System.IO.Compression;
using CoSeg.Common;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Writes label maps as grayscale PNGs whose pixel value is the id (8-bit when every id ≤ 255, else 16-bit), the
/// lossless form <see cref="PngFolderLabelSource"/> reads back exactly. Use <see cref="LabelMapImage"/> for pictures.
/// </summary>
public static class LabelIdPng
{
    private static readonly byte[] Signature = { 137, 80, 78, 71, 13, 10, 26, 10 };
    private static readonly uint[] CrcTable = MakeCrcTable();

    /// <summary>Saves an H×W integer label map (ids 0..65535) to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">The map is not 2-D, or has an id outside 0..65535.</exception>
    public static void Save(Tensor labels, string path)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.ndim != 2) throw new ArgumentException($"labels must be H×W, got [{string.Join(",", labels.shape)}].", nameof(labels));
        using var l32 = labels.to(ScalarType.Int32).contiguous();
        Save(l32.data<int>().ToArray(), (int)labels.shape[1], (int)labels.shape[0], path);
    }

    /// <summary>Saves a row-major label map of <paramref name="width"/>×<paramref name="height"/> ids (0..65535).</summary>
    /// <exception cref="ArgumentException">The size does not match, or an id is outside 0..65535.</exception>
    public static void Save(ReadOnlySpan<int> ids, int width, int height, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (width <= 0 || height <= 0 || (long)width * height != ids.Length)
            throw new ArgumentException($"{ids.Length} ids do not make a {width}×{height} label map.", nameof(ids));
        int max = 0;
        foreach (int v in ids)
        {
            if (v is < 0 or > ushort.MaxValue) throw new ArgumentException($"label id {v} cannot be stored in a PNG (ids must be 0..65535).", nameof(ids));
            max = Math.Max(max, v);
        }
        int bytesPerPixel = max <= byte.MaxValue ? 1 : 2;
        var raw = new byte[(long)height * (1 + width * bytesPerPixel)];
        for (int y = 0, o = 0; y < height; y++)
        {
            raw[o++] = 0;   // filter "none": ids are not smooth, so prediction filters buy little
            for (int x = 0; x < width; x++)
            {
                int v = ids[y * width + x];
                if (bytesPerPixel == 2) raw[o++] = (byte)(v >> 8);
                raw[o++] = (byte)v;
            }
        }
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = (byte)(8 * bytesPerPixel); header[9] = 0;   // bit depth, colour type 0 = grayscale
        var body = compressed.ToArray();
        AtomicFile.Write(path, f =>
        {
            f.Write(Signature);
            Chunk(f, "IHDR", header);
            Chunk(f, "IDAT", body);
            Chunk(f, "IEND", Array.Empty<byte>());
        });
    }

    private static void Chunk(Stream s, string type, byte[] body)
    {
        var buf = new byte[12 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(buf, body.Length);
        System.Text.Encoding.ASCII.GetBytes(type, buf.AsSpan(4, 4));
        body.CopyTo(buf, 8);
        BinaryPrimitives.WriteUInt32BigEndian(buf.AsSpan(8 + body.Length), Crc(buf.AsSpan(4, 4 + body.Length)));
        s.Write(buf);
    }

    /// <summary>The PNG/zlib CRC-32 (polynomial 0xEDB88320) over chunk type and data.</summary>
    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFF;
    }

    private static uint[] MakeCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }
}
