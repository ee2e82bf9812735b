using System.Buffers.Binary;
using System.IO.Compression;

namespace CoSeg.Gaussians.Formats;

/// <summary>
/// SPZ versions 2 and 3's container: one gzip stream holding a 16-byte header (magic, version, point count, SH
/// degree, fractional bits, flags, reserved), the six attribute arrays back to back, and, with flag 0x2, extension
/// records at the end.
/// </summary>
internal static class SpzGzipContainer
{
    public const int HeaderSize = 16;
    /// <summary>Bound on the trailing extension records.</summary>
    private const int MaxExtensionBytes = 1 << 20;

    /// <summary>Whether the first bytes are a gzip stream that starts with the NGSP magic.</summary>
    public static bool Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length < 18 || head[0] != 0x1f || head[1] != 0x8b) return false;
        try
        {
            using var gz = new GZipStream(new MemoryStream(head.ToArray()), CompressionMode.Decompress);
            var first = new byte[4];
            return gz.ReadAtLeast(first, 4, throwOnEndOfStream: false) == 4 && BinaryPrimitives.ReadUInt32LittleEndian(first) == SpzPacked.Magic;
        }
        catch (InvalidDataException) { return false; }
    }

    /// <summary>Reads a gzip-wrapped file whose first four bytes (the gzip magic and two more) were already read.</summary>
    public static SpzPacked Read(byte[] start, Stream stream, string name, long? fileLength)
    {
        var prefixed = new ConcatStream(start, stream);
        using var gz = new GZipStream(prefixed, CompressionMode.Decompress, leaveOpen: true);
        try { return ReadPayload(gz, name, fileLength); }
        catch (InvalidDataException e) when (!e.Message.StartsWith(name, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: corrupt SPZ gzip stream: {e.Message}", e);
        }
    }

    private static SpzPacked ReadPayload(Stream gz, string name, long? fileLength)
    {
        var header = SplatArrays.ReadSection(gz, HeaderSize, name, "SPZ header");
        int count = SpzPacked.CheckHeader(header, name, fileLength);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (version is not (2 or 3))
            throw new InvalidDataException($"{name}: unsupported SPZ version {version} in a gzip stream (versions 2 and 3 are gzip streams; 4 has a plain header).");
        int degree = header[12];
        byte flags = header[14];
        var sizes = SpzPacked.SectionSizes(count, degree, (int)version);
        var arrays = new byte[6][];
        for (int i = 0; i < 6; i++) arrays[i] = SplatArrays.ReadSection(gz, sizes[i], name, "SPZ " + SpzPacked.SectionNames[i]);
        var axes = SpzAxes.RightUpBack;
        if ((flags & SpzPacked.FlagExtensions) != 0)
        {
            var records = new byte[MaxExtensionBytes + 1];
            int got = gz.ReadAtLeast(records, records.Length, throwOnEndOfStream: false);
            if (got > MaxExtensionBytes) throw new InvalidDataException($"{name}: SPZ extension records exceed {MaxExtensionBytes} bytes.");
            axes = SpzExtensions.Parse(records.AsSpan(0, got), name);
        }
        return new SpzPacked
        {
            Version = (int)version, Count = count, Degree = degree, FractionalBits = header[13], Flags = flags, Axes = axes,
            Positions = arrays[0], Alphas = arrays[1], Colors = arrays[2], Scales = arrays[3], Rotations = arrays[4], Sh = arrays[5],
        };
    }

    /// <summary>Writes a version 2 or 3 file (no extension records).</summary>
    public static void Write(SpzPacked p, Stream stream)
    {
        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, SpzPacked.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)p.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)p.Count);
        header[12] = (byte)p.Degree; header[13] = (byte)p.FractionalBits; header[14] = p.Flags;
        using var gz = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true);
        gz.Write(header);
        foreach (var section in p.Sections) gz.Write(section);
    }

    /// <summary>A read-only stream of a few prefix bytes followed by another stream (lets Read peek at the magic).</summary>
    private sealed class ConcatStream(byte[] prefix, Stream rest) : Stream
    {
        private int _offset;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            if (_offset < prefix.Length)
            {
                int k = Math.Min(buffer.Length, prefix.Length - _offset);
                prefix.AsSpan(_offset, k).CopyTo(buffer);
                _offset += k;
                return k;
            }
            return rest.Read(buffer);
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
