using System.Buffers.Binary;
using ZstdSharp;

namespace CoSeg.Gaussians.Formats;

/// <summary>
/// SPZ version 4's container: a plain 32-byte header (magic, version, point count, SH degree, fractional bits, flags,
/// stream count, table-of-contents offset, 12 reserved bytes), optional extension records up to the TOC offset, a TOC
/// of (compressed size, uncompressed size) u64 pairs, then one zstd frame per non-empty attribute array in file order
/// (positions, alphas, colours, scales, rotations, SH — so 5 streams for SH degree 0, 6 otherwise).
/// </summary>
internal static class SpzStreamContainer
{
    public const int HeaderSize = 32;
    /// <summary>Bound on the extension block (the records are a few dozen bytes in practice).</summary>
    private const int MaxExtensionBytes = 1 << 20;
    /// <summary>Compression level of written streams (Niantic's writer uses 12).</summary>
    public const int Level = 12;

    /// <summary>Reads a v4 file whose first four bytes (the magic) were already read.</summary>
    public static SpzPacked Read(ReadOnlySpan<byte> magic, Stream stream, string name, long? fileLength)
    {
        var header = new byte[HeaderSize];
        magic.CopyTo(header);
        var rest = SplatArrays.ReadSection(stream, HeaderSize - 4, name, "SPZ version-4 header");
        rest.CopyTo(header, 4);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (version != 4)
            throw new InvalidDataException(version is >= 1 and <= 3
                ? $"{name}: SPZ version {version} in a plain NGSP header (versions 1–3 are gzip streams; only version 4 has a plain header)."
                : $"{name}: unsupported SPZ version {version} (versions 2, 3 and 4 are supported).");
        int count = SpzPacked.CheckHeader(header, name, fileLength);
        int degree = header[12], fractionalBits = header[13];
        byte flags = header[14];
        int streams = header[15];
        uint tocOffset = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(16));
        if (tocOffset < HeaderSize) throw new InvalidDataException($"{name}: SPZ table-of-contents offset {tocOffset} lies inside the 32-byte header.");
        long extensionBytes = tocOffset - HeaderSize;
        if (extensionBytes > MaxExtensionBytes || (fileLength is long len && tocOffset + streams * 16L > len))
            throw new InvalidDataException($"{name}: SPZ table of contents at byte {tocOffset} ({streams} streams) lies beyond the {fileLength?.ToString() ?? "?"}-byte file.");
        var extensions = SplatArrays.ReadSection(stream, extensionBytes, name, "SPZ extension block");
        var axes = (flags & SpzPacked.FlagExtensions) != 0 ? SpzExtensions.Parse(extensions, name) : SpzAxes.RightUpBack;

        var sizes = SpzPacked.SectionSizes(count, degree, 4);
        var present = Enumerable.Range(0, sizes.Length).Where(i => sizes[i] > 0).ToArray();
        if (streams != present.Length)
            throw new InvalidDataException($"{name}: SPZ header declares {streams} streams but {count} Gaussians of SH degree {degree} need {present.Length}.");
        var toc = SplatArrays.ReadSection(stream, streams * 16L, name, "SPZ table of contents");
        long dataStart = tocOffset + streams * 16L, compressedTotal = 0;
        var compressedSizes = new long[streams];
        for (int s = 0; s < streams; s++)
        {
            ulong packedSize = BinaryPrimitives.ReadUInt64LittleEndian(toc.AsSpan(s * 16));
            ulong rawSize = BinaryPrimitives.ReadUInt64LittleEndian(toc.AsSpan(s * 16 + 8));
            string section = SpzPacked.SectionNames[present[s]];
            if (rawSize != (ulong)sizes[present[s]])
                throw new InvalidDataException($"{name}: SPZ {section} stream holds {rawSize} bytes but {count} Gaussians need {sizes[present[s]]}.");
            // zstd never expands data by more than ~1/128 plus a frame header.
            if (packedSize == 0 || packedSize > rawSize + rawSize / 128 + 1024)
                throw new InvalidDataException($"{name}: SPZ {section} stream declares {packedSize} compressed bytes for {rawSize} bytes of data (inconsistent).");
            compressedSizes[s] = (long)packedSize;
            compressedTotal += (long)packedSize;
        }
        if (fileLength is long total && dataStart + compressedTotal != total)
            throw new InvalidDataException($"{name}: SPZ streams need {dataStart + compressedTotal} bytes but the file has {total} (truncated or inconsistent).");

        var arrays = new byte[6][];
        for (int i = 0; i < 6; i++) arrays[i] = Array.Empty<byte>();
        using var zstd = new Decompressor();
        for (int s = 0; s < streams; s++)
        {
            int i = present[s];
            string section = SpzPacked.SectionNames[i];
            var packed = SplatArrays.ReadSection(stream, compressedSizes[s], name, $"SPZ {section} stream");
            var raw = new byte[sizes[i]];
            int got;
            try { got = zstd.Unwrap(packed, raw); }
            catch (ZstdException e) { throw new InvalidDataException($"{name}: corrupt zstd data in the SPZ {section} stream: {e.Message}", e); }
            if (got != raw.Length) throw new InvalidDataException($"{name}: SPZ {section} stream decompressed to {got} bytes, {raw.Length} expected.");
            arrays[i] = raw;
        }
        return new SpzPacked
        {
            Version = 4, Count = count, Degree = degree, FractionalBits = fractionalBits, Flags = flags, Axes = axes,
            Positions = arrays[0], Alphas = arrays[1], Colors = arrays[2], Scales = arrays[3], Rotations = arrays[4], Sh = arrays[5],
        };
    }

    /// <summary>Writes a v4 file (no extension records: the default right-up-back axes).</summary>
    public static void Write(SpzPacked p, Stream stream)
    {
        var chunks = new List<(byte[] Data, long Raw)>();
        using (var zstd = new Compressor(Level))
            foreach (var section in p.Sections)
                if (section.Length > 0) chunks.Add((zstd.Wrap(section).ToArray(), section.Length));
        var head = new byte[HeaderSize + chunks.Count * 16];
        BinaryPrimitives.WriteUInt32LittleEndian(head, SpzPacked.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(8), (uint)p.Count);
        head[12] = (byte)p.Degree; head[13] = (byte)p.FractionalBits; head[14] = p.Flags; head[15] = (byte)chunks.Count;
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(16), HeaderSize);
        for (int s = 0; s < chunks.Count; s++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(HeaderSize + s * 16), (ulong)chunks[s].Data.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(HeaderSize + s * 16 + 8), (ulong)chunks[s].Raw);
        }
        stream.Write(head);
        foreach (var (data, _) in chunks) stream.Write(data);
    }
}
