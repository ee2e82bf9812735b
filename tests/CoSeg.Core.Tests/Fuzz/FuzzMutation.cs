using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace CoSeg.Tests.Fuzz;

/// <summary>One kind of malformation: turns the bytes of a valid file into malformed bytes.</summary>
/// <param name="Name">Short stable name, reported per reader (e.g. "truncate", "ply-count-huge").</param>
/// <param name="Apply">The mutation; must be deterministic for a given <see cref="Random"/>.</param>
internal sealed record FuzzMutation(string Name, Func<byte[], Random, byte[]> Apply);

/// <summary>The generic mutations applied to every reader, and helpers to write reader-specific ones.</summary>
internal static class FuzzMutations
{
    private static readonly ulong[] Extremes =
    {
        0, 1, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 60000, 1UL << 31, 1UL << 32,
        1UL << 61, 1UL << 62, 1UL << 63, ulong.MaxValue, ulong.MaxValue - 1,
        BitConverter.DoubleToUInt64Bits(double.NaN), BitConverter.DoubleToUInt64Bits(double.PositiveInfinity),
        BitConverter.DoubleToUInt64Bits(1e300), BitConverter.DoubleToUInt64Bits(-1e-300),
        (ulong)BitConverter.SingleToUInt32Bits(float.NaN), (ulong)BitConverter.SingleToUInt32Bits(float.PositiveInfinity),
        (ulong)BitConverter.SingleToUInt32Bits(3e38f),
    };

    /// <summary>Mutations that make sense for any file: truncations, bit flips, random bytes, lying integers, etc.</summary>
    public static IReadOnlyList<FuzzMutation> Generic { get; } = new FuzzMutation[]
    {
        new("truncate", (b, r) => b[..r.Next(Math.Max(1, b.Length))]),
        new("truncate-near-end", (b, r) => b[..Math.Max(0, b.Length - 1 - r.Next(Math.Min(32, Math.Max(1, b.Length))))]),
        new("empty", (_, _) => Array.Empty<byte>()),
        new("bit-flips", (b, r) =>
        {
            var c = (byte[])b.Clone();
            for (int k = 0, n = 1 + r.Next(8); k < n && c.Length > 0; k++) c[r.Next(c.Length)] ^= (byte)(1 << r.Next(8));
            return c;
        }),
        new("overwrite-random", (b, r) =>
        {
            var c = (byte[])b.Clone();
            if (c.Length == 0) return c;
            int at = r.Next(c.Length), len = Math.Min(c.Length - at, 1 + r.Next(64));
            r.NextBytes(c.AsSpan(at, len));
            return c;
        }),
        new("random-bytes", (b, r) => { var c = new byte[r.Next(1, Math.Max(2, 2 * b.Length))]; r.NextBytes(c); return c; }),
        new("append-garbage", (b, r) => { var g = new byte[1 + r.Next(512)]; r.NextBytes(g); return b.Concat(g).ToArray(); }),
        new("duplicate-tail", (b, _) => b.Concat(b[(b.Length / 2)..]).ToArray()),
        new("delete-range", (b, r) =>
        {
            if (b.Length < 2) return b;
            int at = r.Next(b.Length), len = Math.Min(b.Length - at, 1 + r.Next(64));
            return b[..at].Concat(b[(at + len)..]).ToArray();
        }),
        new("insert-bytes", (b, r) =>
        {
            int at = r.Next(b.Length + 1);
            var g = new byte[1 + r.Next(64)]; r.NextBytes(g);
            return b[..at].Concat(g).Concat(b[at..]).ToArray();
        }),
        new("extreme-int", (b, r) =>
        {
            var c = (byte[])b.Clone();
            int width = r.Next(2) == 0 ? 4 : 8;
            if (c.Length < width) return c;
            int at = r.Next(2) == 0 ? r.Next(c.Length - width + 1) / width * width : r.Next(c.Length - width + 1);
            ulong v = Extremes[r.Next(Extremes.Length)];
            if (width == 4) BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(at), (uint)v);
            else BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(at), v);
            if (r.Next(2) == 0) c.AsSpan(at, width).Reverse(); // big-endian readers (PNG) too
            return c;
        }),
    };

    /// <summary>Replaces the first match of <paramref name="pattern"/> in the file read as Latin-1 text.</summary>
    public static FuzzMutation Text(string name, string pattern, Func<Random, string> replacement)
        => new(name, (b, r) =>
        {
            string s = Encoding.Latin1.GetString(b);
            var m = Regex.Match(s, pattern);
            if (!m.Success) return b;
            return Encoding.Latin1.GetBytes(s[..m.Index] + replacement(r) + s[(m.Index + m.Length)..]);
        });

    /// <summary>Overwrites 4 or 8 bytes at a fixed offset with a value (little- or big-endian).</summary>
    public static FuzzMutation At(string name, int offset, Func<Random, ulong> value, int width = 8, bool bigEndian = false)
        => new(name, (b, r) =>
        {
            if (b.Length < offset + width) return b;
            var c = (byte[])b.Clone();
            ulong v = value(r);
            if (width == 4) { if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(offset), (uint)v); else BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(offset), (uint)v); }
            else { if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(c.AsSpan(offset), v); else BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(offset), v); }
            return c;
        });

    /// <summary>PNG chunk CRC-32 (ISO 3309) of a chunk's type and data.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte x in data)
        {
            c ^= x;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    /// <summary>Writes a PNG IHDR width and height and fixes the chunk's CRC, so decoders get past the checksum.</summary>
    public static FuzzMutation PngSize(string name, Func<Random, (uint W, uint H)> size)
        => new(name, (b, r) =>
        {
            if (b.Length < 33) return b;
            var c = (byte[])b.Clone();
            var (w, h) = size(r);
            BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(16), w);
            BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(20), h);
            BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(29), Crc32(c.AsSpan(12, 17)));
            return c;
        });

    /// <summary>A value from the list of extremes (0, 2^31, 2^61, 2^63, NaN bits, …).</summary>
    public static ulong Extreme(Random r) => Extremes[r.Next(Extremes.Length)];

    /// <summary>A decimal count that lies: huge, negative, or just off by one from <paramref name="truth"/>.</summary>
    public static string LyingCount(Random r, long truth) => r.Next(8) switch
    {
        0 => "2147483647", 1 => "9223372036854775807", 2 => "-1", 3 => (truth + 1).ToString(),
        4 => Math.Max(0, truth - 1).ToString(), 5 => "4611686018427387904", 6 => "99999999999999999999", _ => "1e9",
    };
}
