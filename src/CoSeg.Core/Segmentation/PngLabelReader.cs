using System.Buffers.Binary;
using System.IO.Compression;
using CoSeg.Common;

namespace CoSeg.Segmentation;

/// <summary>
/// Exact decoder for label PNGs (non-interlaced): 8/16-bit grayscale (id = value), 8-bit palette (id = palette
/// index), 8-bit RGB/RGBA (colour-coded; returned as packed 0xRRGGBB, alpha ignored). General image libraries
/// convert 16-bit or palette images to colours, losing the ids, hence this reader.
/// </summary>
internal static class PngLabelReader
{
    internal enum Kind { Gray, Palette, Color }

    internal sealed record Image(int Width, int Height, int[] Values, Kind Kind);

    private static readonly byte[] Signature = { 137, 80, 78, 71, 13, 10, 26, 10 };

    public static Image Read(string path)
    {
        byte[] data;
        try { data = InputFiles.ReadAllBytes(path, "Label image"); }
        catch (IOException e) when (e is not FileNotFoundException) { throw new IOException($"cannot read label image '{path}': {e.Message}", e); }
        if (data.Length < 8 || !data.AsSpan(0, 8).SequenceEqual(Signature))
            throw new InvalidDataException($"label image '{path}' is not a PNG file.");
        int pos = 8, width = 0, height = 0, bitDepth = 0, colorType = -1, interlace = 0;
        using var idat = new MemoryStream();
        while (pos + 8 <= data.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(pos));
            string type = System.Text.Encoding.ASCII.GetString(data, pos + 4, 4);
            if (len < 0 || pos + 12L + len > data.Length) throw new InvalidDataException($"label image '{path}' has a truncated '{type}' chunk.");
            var body = data.AsSpan(pos + 8, len);
            if (type == "IHDR")
            {
                if (len != 13 || pos != 8) throw new InvalidDataException($"label image '{path}' has a malformed IHDR chunk ({len} bytes{(pos != 8 ? ", not the first chunk" : "")}; PNG requires 13, first).");
                width = BinaryPrimitives.ReadInt32BigEndian(body); height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                bitDepth = body[8]; colorType = body[9]; interlace = body[12];
            }
            else if (type == "IDAT") idat.Write(body);
            else if (type == "IEND") break;
            pos += 12 + len;
        }
        if (width <= 0 || height <= 0) throw new InvalidDataException($"label image '{path}' has no valid IHDR chunk.");
        InputLimits.CheckImageSize(width, height, data.Length, $"label image '{path}'");
        if (interlace != 0) throw new InvalidDataException($"label image '{path}' is interlaced; save label PNGs non-interlaced.");
        int channels; Kind kind;
        switch (colorType, bitDepth)
        {
            case (0, 8): case (0, 16): channels = 1; kind = Kind.Gray; break;
            case (3, 8): channels = 1; kind = Kind.Palette; break;
            case (2, 8): channels = 3; kind = Kind.Color; break;
            case (6, 8): channels = 4; kind = Kind.Color; break;
            default: throw new InvalidDataException($"label image '{path}': PNG colour type {colorType} with bit depth {bitDepth} is not supported (use 8/16-bit gray, 8-bit palette, RGB or RGBA).");
        }
        int bpp = channels * bitDepth / 8, stride = width * bpp;
        var raw = new byte[(long)height * (stride + 1)];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            int read = 0, n;
            try { while (read < raw.Length && (n = z.Read(raw, read, raw.Length - read)) > 0) read += n; }
            catch (InvalidDataException e) { throw new InvalidDataException($"label image '{path}' has corrupt pixel data ({e.Message})", e); }
            if (read != raw.Length) throw new InvalidDataException($"label image '{path}' has truncated pixel data.");
        }
        var prev = new byte[stride]; var cur = new byte[stride];
        var values = new int[width * height];
        for (int y = 0; y < height; y++)
        {
            int f = raw[(long)y * (stride + 1)];
            Array.Copy(raw, (long)y * (stride + 1) + 1, cur, 0, stride);
            for (int i = 0; i < stride; i++)
            {
                int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
                cur[i] = f switch
                {
                    0 => cur[i],
                    1 => (byte)(cur[i] + a),
                    2 => (byte)(cur[i] + b),
                    3 => (byte)(cur[i] + ((a + b) >> 1)),
                    4 => (byte)(cur[i] + Paeth(a, b, c)),
                    _ => throw new InvalidDataException($"label image '{path}' has an invalid filter type {f} in row {y}."),
                };
            }
            for (int x = 0; x < width; x++)
            {
                int o = x * bpp;
                values[y * width + x] = kind switch
                {
                    Kind.Color => (cur[o] << 16) | (cur[o + 1] << 8) | cur[o + 2],
                    _ when bitDepth == 16 => (cur[o] << 8) | cur[o + 1],
                    _ => cur[o],
                };
            }
            (prev, cur) = (cur, prev);
        }
        return new Image(width, height, values, kind);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
