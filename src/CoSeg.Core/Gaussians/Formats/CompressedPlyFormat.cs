using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace CoSeg.Gaussians.Formats;

/// <summary>
/// SuperSplat / PlayCanvas compressed PLY: a <c>chunk</c> element (one per 256 Gaussians, float bounds
/// <c>min_x … max_z, min_scale_x … max_scale_z</c> and optionally <c>min_r … max_b</c>), a <c>vertex</c> element with
/// four uint32 per Gaussian — <c>packed_position</c> and <c>packed_scale</c> (11/10/11-bit fractions of the chunk's
/// bounds; scales are logs), <c>packed_rotation</c> (2-bit index of the largest quaternion component + 3 × 10 bits
/// of the others in [−1/√2, 1/√2]) and <c>packed_color</c> (8-bit R, G, B of 0.5 + C0·f_dc within the chunk's colour
/// bounds, and 8-bit sigmoid opacity) — and an optional <c>sh</c> element of uint8 <c>f_rest_*</c> (v = b·8/255 − 4).
/// Read and written (written in file order, 18 chunk properties, SH when the scene has any).
/// </summary>
public sealed class CompressedPlyFormat : IGaussianSceneFormat
{
    private const int ChunkSize = 256;
    private static readonly string[] ChunkBase =
    {
        "min_x", "min_y", "min_z", "max_x", "max_y", "max_z",
        "min_scale_x", "min_scale_y", "min_scale_z", "max_scale_x", "max_scale_y", "max_scale_z",
    };
    private static readonly string[] ChunkColor = { "min_r", "min_g", "min_b", "max_r", "max_g", "max_b" };
    private static readonly string[] Packed = { "packed_position", "packed_rotation", "packed_scale", "packed_color" };

    /// <inheritdoc />
    public string Name => "compressed-ply";
    /// <inheritdoc />
    public IReadOnlyList<string> Extensions { get; } = new[] { ".compressed.ply" };
    /// <inheritdoc />
    public bool CanWrite => true;

    internal static bool LooksCompressed(string headerText)
        => headerText.Contains("element chunk", StringComparison.Ordinal) && headerText.Contains("packed_position", StringComparison.Ordinal);

    /// <inheritdoc />
    public bool Detect(ReadOnlySpan<byte> head, long length)
        => head.Length >= 4 && head.StartsWith("ply"u8) && LooksCompressed(Encoding.ASCII.GetString(head));

    private sealed record Element(string Name, long Count, List<(string Name, string Type)> Properties);

    /// <inheritdoc />
    public GaussianScene Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var (elements, format) = ReadHeader(stream, name);
        if (format != "binary_little_endian")
            throw new InvalidDataException($"{name}: compressed PLY must be binary_little_endian, got '{format}'.");
        if (elements.Count is not (2 or 3) || elements[0].Name != "chunk" || elements[1].Name != "vertex" || (elements.Count == 3 && elements[2].Name != "sh"))
            throw new InvalidDataException($"{name}: compressed PLY needs elements chunk, vertex[, sh]; got {string.Join(", ", elements.Select(e => e.Name))}.");
        var chunk = elements[0]; var vertex = elements[1]; var shEl = elements.Count == 3 ? elements[2] : null;
        var chunkNames = chunk.Properties.Select(p => p.Name).ToList();
        bool hasColor = chunkNames.Count == 18;
        if (!(chunkNames.SequenceEqual(ChunkBase) || chunkNames.SequenceEqual(ChunkBase.Concat(ChunkColor))) || chunk.Properties.Any(p => p.Type is not ("float" or "float32")))
            throw new InvalidDataException($"{name}: compressed PLY chunk properties must be float {string.Join(" ", ChunkBase)} [{string.Join(" ", ChunkColor)}]; got {string.Join(" ", chunk.Properties.Select(p => $"{p.Type} {p.Name}"))}.");
        if (!vertex.Properties.Select(p => p.Name).SequenceEqual(Packed) || vertex.Properties.Any(p => p.Type is not ("uint" or "uint32")))
            throw new InvalidDataException($"{name}: compressed PLY vertex properties must be uint {string.Join(" ", Packed)}.");
        long n = vertex.Count;
        long expectedChunks = (n + ChunkSize - 1) / ChunkSize;
        if (chunk.Count != expectedChunks)
            throw new InvalidDataException($"{name}: {chunk.Count} chunks do not match {n} vertices (expected ⌈{n}/256⌉ = {expectedChunks}).");
        int rest = 0;
        if (shEl is not null)
        {
            rest = shEl.Properties.Count;
            if (shEl.Count != n) throw new InvalidDataException($"{name}: the sh element has {shEl.Count} entries but there are {n} vertices.");
            if (rest is not (9 or 24 or 45) || shEl.Properties.Any(p => p.Type is not ("uchar" or "uint8"))
                || !shEl.Properties.Select(p => p.Name).SequenceEqual(Enumerable.Range(0, rest).Select(i => $"f_rest_{i}")))
                throw new InvalidDataException($"{name}: the sh element must hold uchar f_rest_0..f_rest_{{8|23|44}}; got {rest} properties.");
        }
        long chunkBytes = chunk.Count * chunk.Properties.Count * 4L, vertexBytes = n * 16, shBytes = n * rest;
        long need = chunkBytes + vertexBytes + shBytes;
        if (n > int.MaxValue / 64) throw new InvalidDataException($"{name}: {n} vertices is too many.");
        if (SplatArrays.Remaining(stream) is long left && left < need)
            throw new InvalidDataException($"{name}: truncated compressed PLY: the header declares {chunk.Count} chunks and {n} vertices ({need} bytes) but only {left} bytes follow.");
        var cd = SplatArrays.ReadSection(stream, chunkBytes, name, "chunk data");
        var vd = SplatArrays.ReadSection(stream, vertexBytes, name, "vertex data");
        var sd = SplatArrays.ReadSection(stream, shBytes, name, "sh data");

        int cp = chunk.Properties.Count, k = rest / 3 + 1;
        var a = new SplatArrays((int)n, k);
        var bounds = new float[cp];
        for (int i = 0; i < n; i++)
        {
            if (i % ChunkSize == 0)
            {
                for (int j = 0; j < cp; j++) bounds[j] = BinaryPrimitives.ReadSingleLittleEndian(cd.AsSpan(((i / ChunkSize) * cp + j) * 4));
                int bad = Array.FindIndex(bounds, v => !float.IsFinite(v));
                if (bad >= 0) throw new InvalidDataException($"{name}: chunk {i / ChunkSize} has a NaN or infinite {chunkNames[bad]}.");
            }
            uint pp = BinaryPrimitives.ReadUInt32LittleEndian(vd.AsSpan(i * 16)), pr = BinaryPrimitives.ReadUInt32LittleEndian(vd.AsSpan(i * 16 + 4));
            uint ps = BinaryPrimitives.ReadUInt32LittleEndian(vd.AsSpan(i * 16 + 8)), pc = BinaryPrimitives.ReadUInt32LittleEndian(vd.AsSpan(i * 16 + 12));
            var (px, py, pz) = Unpack111011(pp);
            a.Positions[i * 3] = Lerp(bounds[0], bounds[3], px); a.Positions[i * 3 + 1] = Lerp(bounds[1], bounds[4], py); a.Positions[i * 3 + 2] = Lerp(bounds[2], bounds[5], pz);
            var (sx, sy, sz) = Unpack111011(ps);
            a.LogScales[i * 3] = Lerp(bounds[6], bounds[9], sx); a.LogScales[i * 3 + 1] = Lerp(bounds[7], bounds[10], sy); a.LogScales[i * 3 + 2] = Lerp(bounds[8], bounds[11], sz);
            for (int c = 0; c < 3; c++)
            {
                float t = ((pc >> (24 - 8 * c)) & 0xFF) / 255f;
                float col = hasColor ? Lerp(bounds[12 + c], bounds[15 + c], t) : t;
                a.Sh[(long)i * k * 3 + c] = (col - 0.5f) / SplatArrays.ShC0;
            }
            a.Opacity[i] = SplatArrays.Logit(Math.Clamp((pc & 0xFF) / 255f, 0.5f / 255, 1 - 0.5f / 255));
            UnpackRotation(pr, a.Rotations.AsSpan(i * 4, 4));
            for (int j = 0; j < rest / 3; j++)
                for (int c = 0; c < 3; c++)
                    a.Sh[((long)i * k + 1 + j) * 3 + c] = sd[(long)i * rest + c * (rest / 3) + j] * (8f / 255f) - 4f;
        }
        return a.ToScene(name);
    }

    private static float Lerp(float a, float b, float t) => a + (b - a) * t;

    private static (float X, float Y, float Z) Unpack111011(uint v)
        => (((v >> 21) & 0x7FF) / 2047f, ((v >> 11) & 0x3FF) / 1023f, (v & 0x7FF) / 2047f);

    // Components in PLY order (rot_0..rot_3 = w, x, y, z); the three stored ones in index order, first in the high bits.
    private static void UnpackRotation(uint v, Span<float> q)
    {
        int largest = (int)(v >> 30);
        float sum = 0;
        int shift = 20;
        for (int i = 0; i < 4; i++)
        {
            if (i == largest) continue;
            q[i] = (((v >> shift) & 0x3FF) / 1023f - 0.5f) * MathF.Sqrt(2f);
            sum += q[i] * q[i];
            shift -= 10;
        }
        q[largest] = MathF.Sqrt(MathF.Max(0, 1 - sum));
    }

    /// <inheritdoc />
    public void Write(GaussianScene scene, Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var a = SplatArrays.FromScene(scene, name);
        int n = a.Count, k = a.K, rest = 3 * (k - 1);
        if (k > 16) throw new ArgumentException($"Cannot write {name}: SH degree above 3.");
        int chunks = (n + ChunkSize - 1) / ChunkSize;
        var header = new StringBuilder("ply\nformat binary_little_endian 1.0\ncomment written by CoSeg.Core\n");
        header.Append(CultureInfo.InvariantCulture, $"element chunk {chunks}\n");
        foreach (var p in ChunkBase.Concat(ChunkColor)) header.Append("property float ").Append(p).Append('\n');
        header.Append(CultureInfo.InvariantCulture, $"element vertex {n}\n");
        foreach (var p in Packed) header.Append("property uint ").Append(p).Append('\n');
        if (rest > 0)
        {
            header.Append(CultureInfo.InvariantCulture, $"element sh {n}\n");
            for (int i = 0; i < rest; i++) header.Append(CultureInfo.InvariantCulture, $"property uchar f_rest_{i}\n");
        }
        header.Append("end_header\n");
        stream.Write(Encoding.ASCII.GetBytes(header.ToString()));

        var cd = new byte[chunks * 18 * 4];
        var vd = new byte[n * 16L];
        var sd = new byte[(long)n * rest];
        var b = new float[18];
        Span<float> q = stackalloc float[4];
        for (int c = 0; c < chunks; c++)
        {
            int s = c * ChunkSize, e = Math.Min(n, s + ChunkSize);
            for (int d = 0; d < 3; d++)
            {
                float pmin = float.PositiveInfinity, pmax = float.NegativeInfinity, smin = pmin, smax = pmax, cmin = pmin, cmax = pmax;
                for (int i = s; i < e; i++)
                {
                    float p = a.Positions[i * 3 + d], l = Math.Clamp(a.LogScales[i * 3 + d], -20f, 20f), col = Color(a, i, d);
                    pmin = MathF.Min(pmin, p); pmax = MathF.Max(pmax, p); smin = MathF.Min(smin, l); smax = MathF.Max(smax, l);
                    cmin = MathF.Min(cmin, col); cmax = MathF.Max(cmax, col);
                }
                b[d] = pmin; b[3 + d] = pmax; b[6 + d] = smin; b[9 + d] = smax; b[12 + d] = cmin; b[15 + d] = cmax;
            }
            for (int j = 0; j < 18; j++) BinaryPrimitives.WriteSingleLittleEndian(cd.AsSpan((c * 18 + j) * 4), b[j]);
            for (int i = s; i < e; i++)
            {
                uint pp = Pack111011(Norm(a.Positions[i * 3], b[0], b[3]), Norm(a.Positions[i * 3 + 1], b[1], b[4]), Norm(a.Positions[i * 3 + 2], b[2], b[5]));
                uint ps = Pack111011(Norm(a.LogScales[i * 3], b[6], b[9]), Norm(a.LogScales[i * 3 + 1], b[7], b[10]), Norm(a.LogScales[i * 3 + 2], b[8], b[11]));
                uint pc = (Unorm(Norm(Color(a, i, 0), b[12], b[15]), 8) << 24) | (Unorm(Norm(Color(a, i, 1), b[13], b[16]), 8) << 16)
                        | (Unorm(Norm(Color(a, i, 2), b[14], b[17]), 8) << 8) | Unorm(SplatArrays.Sigmoid(a.Opacity[i]), 8);
                var (w, x, y, z) = a.UnitRotation(i);
                q[0] = w; q[1] = x; q[2] = y; q[3] = z;
                int largest = 0;
                for (int j = 1; j < 4; j++) if (MathF.Abs(q[j]) > MathF.Abs(q[largest])) largest = j;
                float sign = q[largest] < 0 ? -1 : 1;
                uint pr = (uint)largest;
                for (int j = 0; j < 4; j++)
                    if (j != largest) pr = (pr << 10) | Unorm(sign * q[j] * (MathF.Sqrt(2f) * 0.5f) + 0.5f, 10);
                BinaryPrimitives.WriteUInt32LittleEndian(vd.AsSpan(i * 16), pp);
                BinaryPrimitives.WriteUInt32LittleEndian(vd.AsSpan(i * 16 + 4), pr);
                BinaryPrimitives.WriteUInt32LittleEndian(vd.AsSpan(i * 16 + 8), ps);
                BinaryPrimitives.WriteUInt32LittleEndian(vd.AsSpan(i * 16 + 12), pc);
                for (int j = 0; j < k - 1; j++)
                    for (int ch = 0; ch < 3; ch++)
                        sd[(long)i * rest + ch * (k - 1) + j] = (byte)Unorm(a.Sh[((long)i * k + 1 + j) * 3 + ch] / 8f + 0.5f, 8);
            }
        }
        stream.Write(cd); stream.Write(vd); stream.Write(sd);
    }

    private static float Color(SplatArrays a, int i, int c) => 0.5f + SplatArrays.ShC0 * a.Sh[(long)i * a.K * 3 + c];

    private static float Norm(float v, float min, float max) => max - min < 1e-5f ? 0 : Math.Clamp((v - min) / (max - min), 0, 1);

    private static uint Unorm(float v, int bits)
    {
        int t = (1 << bits) - 1;
        return (uint)Math.Clamp((int)MathF.Floor(v * t + 0.5f), 0, t);
    }

    private static uint Pack111011(float x, float y, float z) => (Unorm(x, 11) << 21) | (Unorm(y, 10) << 11) | Unorm(z, 11);

    private static (List<Element> Elements, string Format) ReadHeader(Stream stream, string name)
    {
        var bytes = new List<byte>();
        var lines = new List<string>();
        while (true)
        {
            int c = stream.ReadByte();
            if (c < 0) throw new InvalidDataException($"{name}: truncated PLY header (no 'end_header').");
            if (bytes.Count > 1 << 16) throw new InvalidDataException($"{name}: PLY header longer than 64 KiB without 'end_header'.");
            if (c == '\n')
            {
                string line = Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
                bytes.Clear();
                if (lines.Count == 0 && line != "ply") throw new InvalidDataException($"{name}: not a PLY file (first line is not 'ply').");
                lines.Add(line);
                if (line.Trim() == "end_header") break;
            }
            else bytes.Add((byte)c);
        }
        string? format = null;
        var elements = new List<Element>();
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0 || f[0] is "comment" or "obj_info" or "end_header") continue;
            switch (f[0])
            {
                case "format": format = f.Length > 1 ? f[1] : ""; break;
                case "element":
                    if (f.Length != 3 || !long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out long count))
                        throw new InvalidDataException($"{name}: malformed element line '{line}'.");
                    elements.Add(new Element(f[1], count, new()));
                    break;
                case "property":
                    if (elements.Count == 0 || f.Length != 3) throw new InvalidDataException($"{name}: malformed or misplaced property line '{line}'.");
                    elements[^1].Properties.Add((f[2], f[1]));
                    break;
                default: throw new InvalidDataException($"{name}: unexpected PLY header line '{line}'.");
            }
        }
        return (elements, format ?? throw new InvalidDataException($"{name}: PLY header has no format line."));
    }
}
