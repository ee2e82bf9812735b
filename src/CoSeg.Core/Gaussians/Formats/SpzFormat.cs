using System.Buffers.Binary;
using System.IO.Compression;

namespace CoSeg.Gaussians.Formats;

/// <summary>
/// Niantic's SPZ, versions 2 and 3: a gzip stream holding a 16-byte header (magic 0x5053474E "NGSP", version, point
/// count, SH degree, fractional bits, flags, reserved) and then, attribute by attribute, positions (3 × 24-bit
/// fixed point), alphas (uint8 sigmoid), colours (uint8, f_dc·0.15·255 + 127.5), log-scales (uint8, (s + 10)·16),
/// rotations and SH (uint8, v·128 + 128, coefficient-major with RGB inner). Version 2 stores the quaternion's x, y, z
/// (w ≥ 0 derived) as uint8; version 3 stores the smallest three components as 2 + 3 × (sign + 9 bits). SPZ's axes
/// are right-up-back (OpenGL); the reference PLY's are right-down-forward (OpenCV), so y and z (and the odd SH
/// terms) change sign on the way in and out. Written as version 3 unless another version is asked for.
/// </summary>
public sealed class SpzFormat : IGaussianSceneFormat
{
    private const uint Magic = 0x5053474E;
    private const int HeaderSize = 16;
    private const byte FlagAntialiased = 0x1, FlagExtensions = 0x2;
    private const float ColorScale = 0.15f;
    private const float Sqrt1_2 = 0.70710678118654752f;
    /// <summary>Deflate expands at most ~1032:1; a header claiming more data than that is inconsistent.</summary>
    private const long MaxInflation = 1100;

    // Sign flips of SH coefficients 1..15 under (x, y, z) → (x, −y, −z).
    private static readonly int[] ShFlip = { -1, -1, 1, -1, 1, 1, -1, 1, -1, 1, -1, -1, 1, -1, 1 };

    /// <inheritdoc />
    public string Name => "spz";
    /// <inheritdoc />
    public IReadOnlyList<string> Extensions { get; } = new[] { ".spz" };
    /// <inheritdoc />
    public bool CanWrite => true;

    /// <summary>The SPZ version <see cref="Write"/> produces: 3 (smallest-three rotations) or 2.</summary>
    public int WriteVersion { get; init; } = 3;

    /// <inheritdoc />
    public bool Detect(ReadOnlySpan<byte> head, long length)
    {
        if (head.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == Magic) return true; // uncompressed container (rejected with a clear message on read)
        if (head.Length < 18 || head[0] != 0x1f || head[1] != 0x8b) return false;
        try
        {
            using var gz = new GZipStream(new MemoryStream(head.ToArray()), CompressionMode.Decompress);
            var first = new byte[4];
            return gz.ReadAtLeast(first, 4, throwOnEndOfStream: false) == 4 && BinaryPrimitives.ReadUInt32LittleEndian(first) == Magic;
        }
        catch (InvalidDataException) { return false; }
    }

    /// <inheritdoc />
    public GaussianScene Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long? compressed = SplatArrays.Remaining(stream);
        var start = new byte[4];
        int got = stream.ReadAtLeast(start, 4, throwOnEndOfStream: false);
        if (got < 4) throw new InvalidDataException($"{name}: truncated SPZ file ({got} bytes).");
        if (BinaryPrimitives.ReadUInt32LittleEndian(start) == Magic)
            throw new InvalidDataException($"{name}: uncompressed SPZ container (NGSP header outside gzip, SPZ version 4 or later) is not supported; versions 2 and 3 (gzip streams) are.");
        if (start[0] != 0x1f || start[1] != 0x8b) throw new InvalidDataException($"{name}: not an SPZ file (no gzip magic 1F 8B).");
        var prefixed = new ConcatStream(start, stream);
        using var gz = new GZipStream(prefixed, CompressionMode.Decompress, leaveOpen: true);
        try { return ReadPayload(gz, name, compressed); }
        catch (InvalidDataException e) when (!e.Message.StartsWith(name, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: corrupt SPZ gzip stream: {e.Message}", e);
        }
    }

    private static GaussianScene ReadPayload(Stream gz, string name, long? compressedLength)
    {
        var header = SplatArrays.ReadSection(gz, HeaderSize, name, "SPZ header");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (magic != Magic) throw new InvalidDataException($"{name}: wrong SPZ magic 0x{magic:X8} (expected 0x{Magic:X8}, \"NGSP\").");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (version is not (2 or 3))
            throw new InvalidDataException($"{name}: unsupported SPZ version {version} (versions 2 and 3 are supported).");
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
        int degree = header[12], fractionalBits = header[13], flags = header[14];
        if (degree > 3) throw new InvalidDataException($"{name}: SPZ SH degree {degree} is not supported (0–3).");
        if (fractionalBits > 23) throw new InvalidDataException($"{name}: SPZ fractional bits {fractionalBits} is out of range (0–23).");
        if ((flags & FlagExtensions) != 0) throw new InvalidDataException($"{name}: SPZ extension records (flag 0x2) are not supported.");
        int rest = (degree + 1) * (degree + 1) - 1, rotBytes = version >= 3 ? 4 : 3;
        long perPoint = 9 + 1 + 3 + 3 + rotBytes + rest * 3L;
        long payload = count * perPoint;
        if (count > int.MaxValue / 64) throw new InvalidDataException($"{name}: SPZ header declares {count} Gaussians, too many.");
        if (compressedLength is long c && payload > c * MaxInflation + 4096)
            throw new InvalidDataException($"{name}: SPZ header declares {count} Gaussians ({payload} bytes) but the {c}-byte file cannot hold that much (truncated or inconsistent).");
        int n = (int)count;
        var pos = SplatArrays.ReadSection(gz, n * 9L, name, "SPZ positions");
        var alpha = SplatArrays.ReadSection(gz, n, name, "SPZ alphas");
        var color = SplatArrays.ReadSection(gz, n * 3L, name, "SPZ colours");
        var scale = SplatArrays.ReadSection(gz, n * 3L, name, "SPZ scales");
        var rot = SplatArrays.ReadSection(gz, (long)n * rotBytes, name, "SPZ rotations");
        var sh = SplatArrays.ReadSection(gz, (long)n * rest * 3, name, "SPZ spherical harmonics");

        var a = new SplatArrays(n, rest + 1);
        float posScale = 1f / (1 << fractionalBits);
        Span<float> q = stackalloc float[4]; // SPZ order x, y, z, w
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                int o = (i * 3 + k) * 3;
                int fixed24 = pos[o] | (pos[o + 1] << 8) | (pos[o + 2] << 16);
                if ((fixed24 & 0x800000) != 0) fixed24 |= unchecked((int)0xFF000000);
                a.Positions[i * 3 + k] = (k == 0 ? 1 : -1) * fixed24 * posScale;
                a.LogScales[i * 3 + k] = scale[i * 3 + k] / 16f - 10f;
                a.Sh[(long)i * a.K * 3 + k] = (color[i * 3 + k] / 255f - 0.5f) / ColorScale;
            }
            a.Opacity[i] = SplatArrays.Logit(Math.Clamp(alpha[i] / 255f, 0.5f / 255, 1 - 0.5f / 255));
            if (version >= 3) UnpackSmallestThree(BinaryPrimitives.ReadUInt32LittleEndian(rot.AsSpan(i * 4)), q);
            else
            {
                for (int k = 0; k < 3; k++) q[k] = rot[i * 3 + k] / 127.5f - 1f;
                q[3] = MathF.Sqrt(MathF.Max(0, 1 - (q[0] * q[0] + q[1] * q[1] + q[2] * q[2])));
            }
            a.Rotations[i * 4] = q[3]; a.Rotations[i * 4 + 1] = q[0]; a.Rotations[i * 4 + 2] = -q[1]; a.Rotations[i * 4 + 3] = -q[2];
            for (int j = 0; j < rest; j++)
                for (int ch = 0; ch < 3; ch++)
                    a.Sh[((long)i * a.K + 1 + j) * 3 + ch] = ShFlip[j] * (sh[((long)i * rest + j) * 3 + ch] - 128f) / 128f;
        }
        return a.ToScene(name);
    }

    private static void UnpackSmallestThree(uint comp, Span<float> q)
    {
        int largest = (int)(comp >> 30);
        float sum = 0;
        for (int i = 3; i >= 0; i--)
        {
            if (i == largest) continue;
            uint mag = comp & 511u, neg = (comp >> 9) & 1u;
            comp >>= 10;
            q[i] = Sqrt1_2 * mag / 511f * (neg == 1 ? -1 : 1);
            sum += q[i] * q[i];
        }
        q[largest] = MathF.Sqrt(MathF.Max(0, 1 - sum));
    }

    /// <inheritdoc />
    public void Write(GaussianScene scene, Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (WriteVersion is not (2 or 3)) throw new NotSupportedException($"Cannot write {name}: SPZ version {WriteVersion} (2 and 3 can be written).");
        var a = SplatArrays.FromScene(scene, name);
        int degree = GaussianScene.DegreeFromCoefficientCount(a.K);
        if (degree > 3) throw new ArgumentException($"Cannot write {name}: SH degree {degree} (SPZ here holds 0–3).");
        int n = a.Count, rest = a.K - 1, rotBytes = WriteVersion >= 3 ? 4 : 3;
        float maxAbs = 0;
        foreach (var v in a.Positions) maxAbs = MathF.Max(maxAbs, MathF.Abs(v));
        int fb = 12;
        while (fb > 0 && maxAbs * (1 << fb) >= (1 << 23) - 1) fb--;
        if (maxAbs * (1 << fb) >= (1 << 23) - 1) throw new ArgumentException($"Cannot write {name}: a position coordinate of {maxAbs} exceeds SPZ's 24-bit range (±8388607).");

        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)WriteVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)n);
        header[12] = (byte)degree; header[13] = (byte)fb; header[14] = 0;
        var pos = new byte[n * 9L]; var alpha = new byte[n]; var color = new byte[n * 3L]; var scale = new byte[n * 3L];
        var rot = new byte[(long)n * rotBytes]; var sh = new byte[(long)n * rest * 3];
        static byte U8(float v) => (byte)Math.Clamp((int)MathF.Round(v), 0, 255);
        Span<float> q = stackalloc float[4];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                int fixed24 = (int)MathF.Round((k == 0 ? 1 : -1) * a.Positions[i * 3 + k] * (1 << fb));
                int o = (i * 3 + k) * 3;
                pos[o] = (byte)fixed24; pos[o + 1] = (byte)(fixed24 >> 8); pos[o + 2] = (byte)(fixed24 >> 16);
                scale[i * 3 + k] = U8((a.LogScales[i * 3 + k] + 10f) * 16f);
                color[i * 3 + k] = U8(a.Sh[(long)i * a.K * 3 + k] * (ColorScale * 255f) + 127.5f);
            }
            alpha[i] = U8(SplatArrays.Sigmoid(a.Opacity[i]) * 255f);
            var (w, x, y, z) = a.UnitRotation(i);
            q[0] = x; q[1] = -y; q[2] = -z; q[3] = w; // to SPZ axes and order
            if (WriteVersion >= 3) BinaryPrimitives.WriteUInt32LittleEndian(rot.AsSpan(i * 4), PackSmallestThree(q));
            else
            {
                float sgn = q[3] < 0 ? -1 : 1;
                for (int k = 0; k < 3; k++) rot[i * 3 + k] = U8(sgn * q[k] * 127.5f + 127.5f);
            }
            for (int j = 0; j < rest; j++)
                for (int ch = 0; ch < 3; ch++)
                    sh[((long)i * rest + j) * 3 + ch] = U8(ShFlip[j] * a.Sh[((long)i * a.K + 1 + j) * 3 + ch] * 128f + 128f);
        }
        using var gz = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true);
        gz.Write(header); gz.Write(pos); gz.Write(alpha); gz.Write(color); gz.Write(scale); gz.Write(rot); gz.Write(sh);
    }

    private static uint PackSmallestThree(ReadOnlySpan<float> q)
    {
        int largest = 0;
        for (int i = 1; i < 4; i++) if (MathF.Abs(q[i]) > MathF.Abs(q[largest])) largest = i;
        bool negate = q[largest] < 0;
        uint comp = (uint)largest;
        for (int i = 0; i < 4; i++)
        {
            if (i == largest) continue;
            uint neg = (q[i] < 0) ^ negate ? 1u : 0u;
            uint mag = (uint)Math.Min(511, (int)(511f * (MathF.Abs(q[i]) / Sqrt1_2) + 0.5f));
            comp = (comp << 10) | (neg << 9) | mag;
        }
        return comp;
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
