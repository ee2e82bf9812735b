using System.Buffers.Binary;

namespace CoSeg.Gaussians.Formats;

/// <summary>
/// An SPZ file's header fields and its six quantised attribute arrays, as stored (before decoding), shared by the
/// gzip container (versions 2 and 3) and the zstd stream container (version 4).
/// </summary>
internal sealed class SpzPacked
{
    public const uint Magic = 0x5053474E;
    public const byte FlagAntialiased = 0x1, FlagExtensions = 0x2;
    /// <summary>SH degrees SPZ can hold (0–4; degree 4 is read and cut to 3, the renderer's highest).</summary>
    public const int MaxDegree = 4;
    /// <summary>
    /// Generous bound on the compression ratio, used to reject a header that claims far more points than a file of
    /// its size can hold before anything is allocated: 9 position bytes per point at most 1024:1 (the bound Niantic's
    /// loader uses); deflate cannot exceed ~1032:1 either.
    /// </summary>
    public const long MaxRatio = 1024;

    public int Version { get; init; }
    public int Count { get; init; }
    public int Degree { get; init; }
    public int FractionalBits { get; init; }
    public byte Flags { get; init; }
    /// <summary>Axis signs that map the stored axes to the reference PLY's right-down-forward ones (default RUB: 1, −1, −1).</summary>
    public SpzAxes Axes { get; set; } = SpzAxes.RightUpBack;

    public byte[] Positions { get; init; } = Array.Empty<byte>();
    public byte[] Alphas { get; init; } = Array.Empty<byte>();
    public byte[] Colors { get; init; } = Array.Empty<byte>();
    public byte[] Scales { get; init; } = Array.Empty<byte>();
    public byte[] Rotations { get; init; } = Array.Empty<byte>();
    public byte[] Sh { get; init; } = Array.Empty<byte>();

    /// <summary>SH coefficients per channel beyond the DC term that the file stores.</summary>
    public static int RestCoefficients(int degree) => (degree + 1) * (degree + 1) - 1;

    public static int RotationBytes(int version) => version >= 3 ? 4 : 3;

    /// <summary>Byte sizes of the attribute arrays, in file order (positions, alphas, colours, scales, rotations, SH).</summary>
    public static long[] SectionSizes(long count, int degree, int version)
        => new[] { count * 9, count, count * 3, count * 3, count * RotationBytes(version), count * RestCoefficients(degree) * 3 };

    public static readonly string[] SectionNames = { "positions", "alphas", "colours", "scales", "rotations", "spherical harmonics" };

    /// <summary>The arrays in file order.</summary>
    public byte[][] Sections => new[] { Positions, Alphas, Colors, Scales, Rotations, Sh };

    /// <summary>
    /// Checks the header fields every version shares (magic, point count against the file size, SH degree,
    /// fractional bits) and returns the point count as an int.
    /// </summary>
    /// <param name="header">At least 16 bytes: magic, version, count, degree, fractional bits, flags.</param>
    /// <param name="name">The source, for error messages.</param>
    /// <param name="fileLength">The (compressed) file's length when known, bounding the point count.</param>
    public static int CheckHeader(ReadOnlySpan<byte> header, string name, long? fileLength)
    {
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (magic != Magic) throw new InvalidDataException($"{name}: wrong SPZ magic 0x{magic:X8} (expected 0x{Magic:X8}, \"NGSP\").");
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        int degree = header[12], fractionalBits = header[13];
        if (degree > MaxDegree) throw new InvalidDataException($"{name}: SPZ SH degree {degree} is not supported (0–{MaxDegree}).");
        if (fractionalBits > 23) throw new InvalidDataException($"{name}: SPZ fractional bits {fractionalBits} is out of range (0–23).");
        if (count > int.MaxValue / 128) throw new InvalidDataException($"{name}: SPZ header declares {count} Gaussians, too many.");
        if (fileLength is long c && count * 9L > c * MaxRatio + 4096)
            throw new InvalidDataException($"{name}: SPZ header declares {count} Gaussians ({count * 9L} position bytes alone) but the {c}-byte file cannot hold that much (truncated or inconsistent).");
        return (int)count;
    }
}
