using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using CoSeg.Common;

namespace CoSeg.Data;

/// <summary>
/// A minimal reader for NumPy <c>.npy</c> files (format versions 1–3): little-endian float64 ('&lt;f8') or float32
/// ('&lt;f4') arrays in C order, returned as doubles with their shape.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    /// <summary>Reads an array; returns its shape and its values in C (row-major) order.</summary>
    /// <exception cref="InvalidDataException">Not a .npy file, unsupported dtype or order, or truncated data (the message names the file).</exception>
    public static (long[] Shape, double[] Data) Read(string path)
    {
        // A double[] holds at most Array.MaxLength values: larger files cannot be returned, so refuse them unread.
        var bytes = InputFiles.ReadAllBytes(path, "NumPy file", maxBytes: Array.MaxLength);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a NumPy .npy file (bad magic).");
        int major = bytes[6];
        int headerLen, headerStart;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); headerStart = 10; }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12) throw new InvalidDataException($"{path}: truncated .npy header.");
            uint len32 = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
            if (len32 > bytes.Length) throw new InvalidDataException($"{path}: truncated .npy header (it declares {len32} header bytes, the file has {bytes.Length}).");
            headerLen = (int)len32; headerStart = 12;
        }
        else throw new InvalidDataException($"{path}: unsupported .npy format version {major}.");
        if (headerStart + headerLen > bytes.Length) throw new InvalidDataException($"{path}: truncated .npy header.");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, headerStart, headerLen);

        var descr = DescrRegex().Match(header);
        var fortran = FortranRegex().Match(header);
        var shapeM = ShapeRegex().Match(header);
        if (!descr.Success || !fortran.Success || !shapeM.Success)
            throw new InvalidDataException($"{path}: malformed .npy header '{header.Trim()}'.");
        if (fortran.Groups[1].Value == "True")
            throw new InvalidDataException($"{path}: Fortran-order arrays are not supported (save with C order).");
        string dtype = descr.Groups[1].Value;
        int itemSize = dtype switch
        {
            "<f8" => 8,
            "<f4" => 4,
            _ => throw new InvalidDataException($"{path}: unsupported dtype '{dtype}' (only little-endian float64 '<f8' and float32 '<f4' are supported)."),
        };
        var shape = shapeM.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v) ? v
                         : throw new InvalidDataException($"{path}: bad shape entry '{s}' in header (expected a non-negative integer)."))
            .ToArray();
        // The product of the shape is checked against the data present, without overflowing: any factor larger than the
        // remaining bytes makes the file too short (unless another factor is 0).
        long dataStart = headerStart + headerLen, dataBytes = bytes.Length - dataStart;
        long count = 1;
        bool empty = shape.Any(d => d == 0);
        foreach (var d in shape)
        {
            if (empty) { count = 0; break; }
            if (d > dataBytes / itemSize / Math.Max(1, count))
                throw new InvalidDataException($"{path}: truncated data: shape ({string.Join(", ", shape)}) needs more than the {dataBytes} data bytes the file has.");
            count *= d;
        }
        if (count * itemSize > dataBytes)
            throw new InvalidDataException($"{path}: truncated data: shape ({string.Join(", ", shape)}) needs {count * itemSize} bytes, file has {dataBytes}.");
        var data = new double[count];
        var span = bytes.AsSpan((int)dataStart);
        for (long i = 0; i < count; i++)
            data[i] = itemSize == 8 ? BinaryPrimitives.ReadDoubleLittleEndian(span[(int)(i * 8)..])
                                    : BinaryPrimitives.ReadSingleLittleEndian(span[(int)(i * 4)..]);
        return (shape, data);
    }

    /// <summary>Reads a 2-D array and checks its column count (any row count ≥ 1).</summary>
    /// <exception cref="InvalidDataException">The array is not rows × <paramref name="columns"/>.</exception>
    public static (int Rows, double[] Data) ReadMatrix(string path, int columns)
    {
        var (shape, data) = Read(path);
        if (shape.Length != 2 || shape[1] != columns || shape[0] < 1)
            throw new InvalidDataException($"{path}: expected an array of shape (N, {columns}), got ({string.Join(", ", shape)}).");
        return ((int)shape[0], data);
    }

    /// <summary>Writes a little-endian float64 C-order .npy file (format 1.0); used to make test fixtures.</summary>
    public static void WriteFloat64(string path, ReadOnlySpan<double> data, params long[] shape)
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count != data.Length) throw new ArgumentException($"Shape ({string.Join(", ", shape)}) needs {count} values, got {data.Length}.");
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string header = $"{{'descr': '<f8', 'fortran_order': False, 'shape': {shapeText}, }}";
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        using var fs = File.Create(path);
        using var bw = new BinaryWriter(fs);
        bw.Write(Magic); bw.Write((byte)1); bw.Write((byte)0);
        bw.Write((ushort)header.Length);
        bw.Write(Encoding.Latin1.GetBytes(header));
        foreach (var v in data) bw.Write(v);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
