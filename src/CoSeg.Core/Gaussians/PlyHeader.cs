using System.Globalization;
using System.Text;

namespace CoSeg.Gaussians;

/// <summary>Scalar types a PLY property can have.</summary>
internal enum PlyType { Int8, UInt8, Int16, UInt16, Int32, UInt32, Float32, Float64 }

/// <summary>One scalar property of the vertex element.</summary>
internal sealed record PlyProperty(string Name, PlyType Type)
{
    public int Size => Type switch { PlyType.Int8 or PlyType.UInt8 => 1, PlyType.Int16 or PlyType.UInt16 => 2, PlyType.Float64 => 8, _ => 4 };
}

/// <summary>
/// A parsed PLY header: format, vertex count and vertex properties, plus the raw lines (so it can be written back
/// unchanged). Only a vertex element with scalar properties is supported; other elements must be empty.
/// </summary>
internal sealed class PlyHeader
{
    public required List<string> Lines { get; init; }
    public required string Format { get; init; }
    public required long VertexCount { get; init; }
    public required List<PlyProperty> Properties { get; init; }
    public int Stride => Properties.Sum(p => p.Size);

    public static PlyType ParseType(string s, string file) => s switch
    {
        "char" or "int8" => PlyType.Int8,
        "uchar" or "uint8" => PlyType.UInt8,
        "short" or "int16" => PlyType.Int16,
        "ushort" or "uint16" => PlyType.UInt16,
        "int" or "int32" => PlyType.Int32,
        "uint" or "uint32" => PlyType.UInt32,
        "float" or "float32" => PlyType.Float32,
        "double" or "float64" => PlyType.Float64,
        _ => throw new InvalidDataException($"{file}: unknown PLY property type '{s}'."),
    };

    /// <summary>Reads header bytes up to and including the line with end_header; leaves the stream at the body.</summary>
    public static PlyHeader Read(Stream stream, string file)
    {
        var lines = new List<string>();
        var current = new List<byte>();
        const int maxHeader = 1 << 20;
        int total = 0;
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0) throw new InvalidDataException($"{file}: truncated PLY header (no 'end_header' line before the end of the file).");
            if (++total > maxHeader) throw new InvalidDataException($"{file}: PLY header longer than 1 MiB without 'end_header' (not a PLY file?).");
            if (b == '\n')
            {
                string line = Encoding.ASCII.GetString(current.ToArray());
                lines.Add(line);
                current.Clear();
                if (lines.Count == 1 && line.TrimEnd('\r') != "ply") throw new InvalidDataException($"{file}: not a PLY file (first line is not 'ply').");
                if (line.Trim() == "end_header") break;
            }
            else current.Add((byte)b);
            if (lines.Count == 0 && current.Count == 3 && Encoding.ASCII.GetString(current.ToArray()) != "ply")
                throw new InvalidDataException($"{file}: not a PLY file (it does not start with 'ply').");
        }
        return Parse(lines, file);
    }

    public static PlyHeader Parse(List<string> lines, string file)
    {
        string? format = null;
        long vertexCount = -1;
        var props = new List<PlyProperty>();
        string? element = null;
        for (int i = 1; i < lines.Count; i++)
        {
            var f = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0) continue;
            switch (f[0])
            {
                case "format":
                    if (f.Length < 2) throw new InvalidDataException($"{file}: malformed format line '{lines[i].Trim()}'.");
                    format = f[1];
                    if (format is not ("binary_little_endian" or "ascii"))
                        throw new NotSupportedException($"{file}: unsupported PLY format '{format}' (binary_little_endian and ascii are supported).");
                    break;
                case "comment": case "obj_info": case "end_header": break;
                case "element":
                    if (f.Length != 3 || !long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out long count))
                        throw new InvalidDataException($"{file}: malformed element line '{lines[i].Trim()}'.");
                    element = f[1];
                    if (element == "vertex")
                    {
                        if (vertexCount >= 0) throw new InvalidDataException($"{file}: more than one vertex element.");
                        vertexCount = count;
                    }
                    else if (count != 0)
                        throw new NotSupportedException($"{file}: element '{element}' with {count} entries is not supported (a Gaussian PLY has only vertices).");
                    else if (vertexCount < 0)
                        throw new NotSupportedException($"{file}: element '{element}' before the vertex element is not supported.");
                    break;
                case "property":
                    if (element is null) throw new InvalidDataException($"{file}: property line before any element: '{lines[i].Trim()}'.");
                    if (element != "vertex") break;
                    if (f.Length >= 2 && f[1] == "list") throw new NotSupportedException($"{file}: list property '{f[^1]}' in the vertex element is not supported.");
                    if (f.Length != 3) throw new InvalidDataException($"{file}: malformed property line '{lines[i].Trim()}'.");
                    if (props.Any(p => p.Name == f[2])) throw new InvalidDataException($"{file}: duplicate vertex property '{f[2]}'.");
                    props.Add(new PlyProperty(f[2], ParseType(f[1], file)));
                    break;
                default:
                    throw new InvalidDataException($"{file}: unexpected PLY header line '{lines[i].Trim()}'.");
            }
        }
        if (format is null) throw new InvalidDataException($"{file}: PLY header has no format line.");
        if (vertexCount < 0) throw new InvalidDataException($"{file}: PLY header has no 'element vertex' line.");
        return new PlyHeader { Lines = lines, Format = format, VertexCount = vertexCount, Properties = props };
    }
}
