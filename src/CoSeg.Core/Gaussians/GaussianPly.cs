using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CoSeg.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Gaussians;

/// <summary>
/// Reads and writes Gaussian scenes in the reference 3DGS PLY layout: one vertex element with
/// <c>x y z nx ny nz f_dc_0..2 f_rest_0..(3(K−1)−1) opacity scale_0..2 rot_0..3</c> (f_rest channel-major: all
/// coefficients of R, then G, then B), opacity as a logit, log-scales and unnormalised quaternions (w, x, y, z).
/// The SH degree follows from the f_rest count. Other vertex properties become <see cref="GaussianScene.ExtraProperties"/>
/// (as are normals when any is non-zero). Binary little-endian and ASCII files are read; files are written binary
/// little-endian, reusing the header read when the layout is unchanged so a round trip is byte-identical.
/// </summary>
public static class GaussianPly
{
    private static readonly string[] Position = { "x", "y", "z" };
    private static readonly string[] Normals = { "nx", "ny", "nz" };
    private static readonly string[] Dc = { "f_dc_0", "f_dc_1", "f_dc_2" };
    private static readonly string[] Scales = { "scale_0", "scale_1", "scale_2" };
    private static readonly string[] Rots = { "rot_0", "rot_1", "rot_2", "rot_3" };

    /// <summary>Loads a scene. Errors name the file and the problem.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a directory.</exception>
    /// <exception cref="InvalidDataException">An empty file or not a regular file (named pipe, device), truncated data, a
    /// vertex count that disagrees with the body (checked before allocating), a missing required property, NaN/Inf values
    /// (with counts per property) or a malformed header.</exception>
    /// <exception cref="NotSupportedException">Big-endian files, list properties, or non-empty non-vertex elements.</exception>
    public static GaussianScene Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var fs = InputFiles.OpenRead(path, "PLY file");
        return Read(fs, path);
    }

    /// <summary>Reads a scene from a stream positioned at the start of a PLY file; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Load"/>.</exception>
    /// <exception cref="NotSupportedException">As <see cref="Load"/>.</exception>
    public static GaussianScene Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        string path = name;
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        var fs = stream;
        var header = PlyHeader.Read(fs, path);
        var props = header.Properties;
        int p = props.Count;
        long n = header.VertexCount;
        var index = new Dictionary<string, int>();
        for (int i = 0; i < p; i++) index[props[i].Name] = i;

        // Required properties and the SH degree.
        var missing = Position.Concat(Dc).Append("opacity").Concat(Scales).Concat(Rots).Where(r => !index.ContainsKey(r)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"{path}: missing required vertex propert{(missing.Count == 1 ? "y" : "ies")} {string.Join(", ", missing.Select(m => $"'{m}'"))} (not a 3DGS PLY?).");
        int restCount = props.Count(q => q.Name.StartsWith("f_rest_", StringComparison.Ordinal));
        for (int i = 0; i < restCount; i++)
            if (!index.ContainsKey($"f_rest_{i}")) throw new InvalidDataException($"{path}: missing property 'f_rest_{i}' (f_rest_ properties must be numbered 0..{restCount - 1}).");
        if (restCount % 3 != 0) throw new InvalidDataException($"{path}: {restCount} f_rest properties is not a multiple of 3.");
        int k = restCount / 3 + 1;
        try { GaussianScene.DegreeFromCoefficientCount(k); }
        catch (ArgumentException) { throw new InvalidDataException($"{path}: {restCount} f_rest properties do not match any SH degree ((degree+1)²−1 per channel)."); }

        CheckBodySize(fs, path, header);
        if (n > Array.MaxLength / Math.Max(1, p)) throw new NotSupportedException($"{path}: {n} vertices × {p} properties is too large to load.");
        var values = new float[n * p];
        if (header.Format == "ascii") ReadAscii(fs, path, header, values);
        else ReadBinary(fs, path, header, values);
        CheckFinite(path, props, values, n);

        using var scope = NewDisposeScope();
        var all = torch.tensor(values, new long[] { n, p });
        Tensor Cols(IEnumerable<string> names) => all.index_select(1, torch.tensor(names.Select(s => (long)index[s]).ToArray())).contiguous();
        var means = Cols(Position);
        var dc = Cols(Dc).reshape(n, 1, 3);
        Tensor sh = dc;
        if (k > 1)
        {
            var rest = Cols(Enumerable.Range(0, restCount).Select(i => $"f_rest_{i}")).reshape(n, 3, k - 1).transpose(1, 2);
            sh = torch.cat(new[] { dc, rest }, 1);
        }
        var scene = new GaussianScene(means.MoveToOuterDisposeScope(), Cols(Scales).MoveToOuterDisposeScope(),
                                      Cols(Rots).MoveToOuterDisposeScope(), Cols(new[] { "opacity" }).reshape(n).contiguous().MoveToOuterDisposeScope(),
                                      sh.contiguous().MoveToOuterDisposeScope());
        var known = new HashSet<string>(Position.Concat(Normals).Concat(Dc).Append("opacity").Concat(Scales).Concat(Rots)
                                              .Concat(Enumerable.Range(0, restCount).Select(i => $"f_rest_{i}")));
        bool normalsNonZero = Normals.Where(index.ContainsKey).Any(nm => AnyNonZeroBits(values, index[nm], p, n));
        foreach (var prop in props)
        {
            bool keep = !known.Contains(prop.Name) || (normalsNonZero && Normals.Contains(prop.Name));
            if (keep) scene.ExtraProperties[prop.Name] = all[.., index[prop.Name]].contiguous().MoveToOuterDisposeScope();
        }
        scene.PlyHeaderLines = header.Lines.ToArray();
        return scene;
    }

    private static bool AnyNonZeroBits(float[] values, int column, int p, long n)
    {
        for (long i = 0; i < n; i++) if (BitConverter.SingleToInt32Bits(values[i * p + column]) != 0) return true;
        return false;
    }

    /// <summary>
    /// Checks the declared vertex count against the bytes after the header before anything is allocated: a binary body
    /// must hold exactly N rows (a shorter one is truncated; one with room for more whole rows means the count lies);
    /// an ASCII body needs at least two bytes per value.
    /// </summary>
    private static void CheckBodySize(Stream fs, string path, PlyHeader header)
    {
        long n = header.VertexCount, available = fs.Length - fs.Position;
        int stride = header.Stride, p = header.Properties.Count;
        if (header.Format == "ascii")
        {
            if (n > available / Math.Max(1, 2 * p))
                throw new InvalidDataException($"{path}: truncated PLY: the header declares {n} vertices of {p} ASCII values but only {available} bytes follow the header.");
            return;
        }
        if (n > available / Math.Max(1, stride))
            throw new InvalidDataException($"{path}: truncated PLY: the header declares {n} vertices ({stride} bytes each) but only {available} bytes of vertex data follow (room for {available / Math.Max(1, stride)} complete vertices).");
        long extra = available - n * stride;
        if (extra >= stride && stride > 0)
            throw new InvalidDataException($"{path}: the header declares {n} vertices but the body holds {extra} more bytes (room for {extra / stride} more vertices of {stride} bytes); the vertex count is wrong.");
    }

    private static void ReadBinary(Stream fs, string path, PlyHeader header, float[] values)
    {
        long n = header.VertexCount;
        int stride = header.Stride, p = header.Properties.Count;
        bool allFloat = header.Properties.All(q => q.Type == PlyType.Float32);
        if (allFloat && BitConverter.IsLittleEndian)
        {
            fs.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        var row = new byte[stride];
        for (long i = 0; i < n; i++)
        {
            fs.ReadExactly(row);
            int off = 0;
            for (int j = 0; j < p; j++)
            {
                var prop = header.Properties[j];
                var s = row.AsSpan(off, prop.Size);
                values[i * p + j] = prop.Type switch
                {
                    PlyType.Int8 => (sbyte)s[0],
                    PlyType.UInt8 => s[0],
                    PlyType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(s),
                    PlyType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(s),
                    PlyType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(s),
                    PlyType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(s),
                    PlyType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(s),
                    _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
                };
                off += prop.Size;
            }
        }
    }

    private static void ReadAscii(Stream fs, string path, PlyHeader header, float[] values)
    {
        using var reader = new StreamReader(fs, Encoding.ASCII, false, 1 << 16, leaveOpen: true);
        long n = header.VertexCount; int p = header.Properties.Count;
        for (long i = 0; i < n; i++)
        {
            string? line;
            do { line = reader.ReadLine(); } while (line is not null && line.Trim().Length == 0);
            if (line is null)
                throw new InvalidDataException($"{path}: truncated PLY: the header declares {n} vertices but the ASCII data has only {i}.");
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != p) throw new InvalidDataException($"{path}: ASCII vertex {i} has {f.Length} values, expected {p}.");
            for (int j = 0; j < p; j++)
                values[i * p + j] = float.TryParse(f[j], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v
                    : throw new InvalidDataException($"{path}: ASCII vertex {i}, property '{header.Properties[j].Name}': '{f[j]}' is not a number.");
        }
        for (string? rest; (rest = reader.ReadLine()) is not null;)
            if (rest.Trim().Length > 0)
                throw new InvalidDataException($"{path}: the header declares {n} vertices but the ASCII body has more lines ('{Clip(rest.Trim())}' follows vertex {n - 1}); the vertex count is wrong.");
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static void CheckFinite(string path, List<PlyProperty> props, float[] values, long n)
    {
        int p = props.Count;
        var bad = new long[p]; var first = new long[p];
        for (long i = 0; i < n; i++)
            for (int j = 0; j < p; j++)
                if (!float.IsFinite(values[i * p + j]) && bad[j]++ == 0) first[j] = i;
        if (bad.All(b => b == 0)) return;
        var parts = Enumerable.Range(0, p).Where(j => bad[j] > 0).Select(j => $"'{props[j].Name}': {bad[j]} (first at vertex {first[j]})");
        throw new InvalidDataException($"{path}: {bad.Sum()} NaN/Inf values in vertex properties — {string.Join(", ", parts)}.");
    }

    /// <summary>
    /// Saves a scene as binary little-endian PLY in the reference layout (normals written as zeros unless the scene
    /// has nx/ny/nz extra properties; other extras follow the rotation). When <see cref="GaussianScene.PlyHeaderLines"/>
    /// describes exactly the scene's properties, that header is reused (vertex count updated).
    /// </summary>
    /// <exception cref="ArgumentException">An extra property is not a tensor of shape [N].</exception>
    public static void Save(GaussianScene scene, string path)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (lines, props, values, n) = Prepare(scene, path);
        AtomicFile.Write(path, fs => WriteBody(fs, lines, props, values, n));
    }

    private static (List<string> Lines, List<PlyProperty> Props, float[] Values, long N) Prepare(GaussianScene scene, string path)
    {
        ArgumentNullException.ThrowIfNull(scene);
        long n = scene.Count;
        int k = (int)scene.ShCoefficients.shape[1];
        int restCount = 3 * (k - 1);
        foreach (var (name, t) in scene.ExtraProperties)
            if (t.ndim != 1 || t.shape[0] != n)
                throw new ArgumentException($"Cannot save {path}: extra property '{name}' must have shape [{n}], got [{string.Join(",", t.shape)}].");

        var extras = scene.ExtraProperties.Keys.Where(x => !Normals.Contains(x)).ToList();
        var required = Position.Concat(Normals).Concat(Dc).Concat(Enumerable.Range(0, restCount).Select(i => $"f_rest_{i}"))
                               .Append("opacity").Concat(Scales).Concat(Rots).ToList();
        List<string> lines;
        List<PlyProperty> props;
        var stored = TryStoredHeader(scene.PlyHeaderLines, path);
        var wanted = new HashSet<string>(required.Concat(extras));
        if (stored is not null && stored.Properties.Count == wanted.Count && stored.Properties.All(q => wanted.Contains(q.Name)))
        {
            props = stored.Properties;
            lines = stored.Lines.Select(l => l.Trim().StartsWith("element vertex", StringComparison.Ordinal) ? ReplaceCount(l, n)
                                           : l.Trim().StartsWith("format ", StringComparison.Ordinal) && stored.Format != "binary_little_endian" ? "format binary_little_endian 1.0"
                                           : l).ToList();
        }
        else
        {
            props = required.Concat(extras).Select(x => new PlyProperty(x, PlyType.Float32)).ToList();
            lines = new List<string> { "ply", "format binary_little_endian 1.0", $"element vertex {n}" };
            lines.AddRange(props.Select(q => $"property float {q.Name}"));
            lines.Add("end_header");
        }

        // Assemble an N×P float matrix in the output property order.
        using var scope = NewDisposeScope();
        Tensor Prep(Tensor t) => t.detach().to(CPU).to_type(ScalarType.Float32);
        var sh = Prep(scene.ShCoefficients);
        var columns = new Dictionary<string, Tensor>();
        var means = Prep(scene.Means); var scales = Prep(scene.LogScales); var rots = Prep(scene.Rotations);
        for (int i = 0; i < 3; i++) { columns[Position[i]] = means[.., i]; columns[Dc[i]] = sh[.., 0, i]; columns[Scales[i]] = scales[.., i]; }
        for (int i = 0; i < 4; i++) columns[Rots[i]] = rots[.., i];
        columns["opacity"] = Prep(scene.OpacityLogits);
        if (k > 1)
        {
            var rest = sh[.., 1.., ..].transpose(1, 2).reshape(n, restCount);
            for (int i = 0; i < restCount; i++) columns[$"f_rest_{i}"] = rest[.., i];
        }
        var zeros = torch.zeros(n, dtype: ScalarType.Float32);
        foreach (var nm in Normals) columns[nm] = scene.ExtraProperties.TryGetValue(nm, out var t) ? Prep(t) : zeros;
        foreach (var x in extras) columns[x] = Prep(scene.ExtraProperties[x]);
        var matrix = torch.stack(props.Select(q => columns[q.Name]).ToArray(), 1).contiguous();
        float[] values = n == 0 ? Array.Empty<float>() : matrix.data<float>().ToArray();
        return (lines, props, values, n);
    }

    /// <summary>Writes a scene as binary little-endian reference-layout PLY to a stream (see <see cref="Save"/>).</summary>
    public static void Write(GaussianScene scene, Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var (lines, props, values, n) = Prepare(scene, name);
        WriteBody(stream, lines, props, values, n);
    }

    private static void WriteBody(Stream fs, List<string> lines, List<PlyProperty> props, float[] values, long n)
    {
        var headerBytes = Encoding.ASCII.GetBytes(string.Join("\n", lines) + "\n");
        fs.Write(headerBytes);
        if (props.All(q => q.Type == PlyType.Float32) && BitConverter.IsLittleEndian)
        {
            fs.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        int p = props.Count;
        var row = new byte[props.Sum(q => q.Size)];
        for (long i = 0; i < n; i++)
        {
            int off = 0;
            for (int j = 0; j < p; j++)
            {
                var s = row.AsSpan(off, props[j].Size);
                float v = values[i * p + j];
                switch (props[j].Type)
                {
                    case PlyType.Int8: s[0] = (byte)(sbyte)Math.Clamp(MathF.Round(v), sbyte.MinValue, sbyte.MaxValue); break;
                    case PlyType.UInt8: s[0] = (byte)Math.Clamp(MathF.Round(v), 0, 255); break;
                    case PlyType.Int16: BinaryPrimitives.WriteInt16LittleEndian(s, (short)Math.Clamp(MathF.Round(v), short.MinValue, short.MaxValue)); break;
                    case PlyType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)Math.Clamp(MathF.Round(v), 0, ushort.MaxValue)); break;
                    case PlyType.Int32: BinaryPrimitives.WriteInt32LittleEndian(s, (int)Math.Clamp(Math.Round((double)v), int.MinValue, int.MaxValue)); break;
                    case PlyType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)Math.Clamp(Math.Round((double)v), 0, uint.MaxValue)); break;
                    case PlyType.Float32: BinaryPrimitives.WriteSingleLittleEndian(s, v); break;
                    default: BinaryPrimitives.WriteDoubleLittleEndian(s, v); break;
                }
                off += props[j].Size;
            }
            fs.Write(row);
        }
    }

    private static PlyHeader? TryStoredHeader(IReadOnlyList<string>? lines, string path)
    {
        if (lines is null || lines.Count < 3) return null;
        try { return PlyHeader.Parse(lines.ToList(), path); }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException) { return null; }
    }

    private static string ReplaceCount(string line, long n)
    {
        var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (f.Length == 3 && long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out long old) && old == n) return line;
        bool cr = line.EndsWith('\r');
        return $"element vertex {n}" + (cr ? "\r" : "");
    }
}
