using System.Buffers.Binary;

namespace CoSeg.Gaussians.Formats;

/// <summary>
/// Niantic's SPZ, versions 2, 3 and 4. Every version stores, attribute by attribute, positions (3 × 24-bit fixed
/// point), alphas (uint8 sigmoid), colours (uint8, f_dc·0.15·255 + 127.5), log-scales (uint8, (s + 10)·16),
/// rotations and SH (uint8, v·128 + 128, coefficient-major with RGB inner; degree 0–4, degree 4 cut to 3 on
/// reading). Version 2 stores the quaternion's x, y, z (w ≥ 0 derived) as uint8; versions 3 and 4 the smallest three
/// components as 2 + 3 × (sign + 9 bits). Versions 2 and 3 are one gzip stream (16-byte header inside); version 4 is a
/// plain 32-byte header, optional extension records, a table of contents and one zstd stream per attribute
/// (<see cref="SpzStreamContainer"/>). SPZ's axes are right-up-back (OpenGL) unless Adobe's coordinate-system
/// extension names another axis-flip system; the reference PLY's are right-down-forward (OpenCV), so axes (and the
/// SH terms odd in them) change sign on the way in and out. Written as version 3 unless another version is asked for.
/// </summary>
public sealed class SpzFormat : IGaussianSceneFormat
{
    private const float ColorScale = 0.15f;
    private const float Sqrt1_2 = 0.70710678118654752f;

    /// <inheritdoc />
    public string Name => "spz";
    /// <inheritdoc />
    public IReadOnlyList<string> Extensions { get; } = new[] { ".spz" };
    /// <inheritdoc />
    public bool CanWrite => true;

    /// <summary>
    /// The SPZ version <see cref="Write"/> produces: 3 (gzip, smallest-three rotations; the default, read by every SPZ
    /// reader), 4 (zstd streams, Niantic's current writer default; older readers refuse it) or 2.
    /// </summary>
    public int WriteVersion { get; init; } = 3;

    /// <inheritdoc />
    public bool Detect(ReadOnlySpan<byte> head, long length)
        => (head.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == SpzPacked.Magic) || SpzGzipContainer.Detect(head);

    /// <inheritdoc />
    public GaussianScene Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long? length = SplatArrays.Remaining(stream);
        var start = new byte[4];
        int got = stream.ReadAtLeast(start, 4, throwOnEndOfStream: false);
        if (got < 4) throw new InvalidDataException($"{name}: truncated SPZ file ({got} bytes).");
        SpzPacked packed;
        if (BinaryPrimitives.ReadUInt32LittleEndian(start) == SpzPacked.Magic) packed = SpzStreamContainer.Read(start, stream, name, length);
        else if (start[0] == 0x1f && start[1] == 0x8b) packed = SpzGzipContainer.Read(start, stream, name, length);
        else throw new InvalidDataException($"{name}: not an SPZ file (neither the NGSP magic of version 4 nor the gzip magic 1F 8B of versions 2–3).");
        return Decode(packed, name);
    }

    private static GaussianScene Decode(SpzPacked p, string name)
    {
        int n = p.Count, storedRest = SpzPacked.RestCoefficients(p.Degree);
        int degree = Math.Min(p.Degree, 3), rest = SpzPacked.RestCoefficients(degree);
        var a = new SplatArrays(n, rest + 1);
        var axes = p.Axes;
        int[] sign = { axes.X, axes.Y, axes.Z };
        var shSign = Enumerable.Range(0, rest).Select(axes.ShSign).ToArray();
        byte[] pos = p.Positions, scale = p.Scales, color = p.Colors, alpha = p.Alphas, rot = p.Rotations, sh = p.Sh;
        float posScale = 1f / (1 << p.FractionalBits);
        Span<float> q = stackalloc float[4]; // SPZ order x, y, z, w
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                int o = (i * 3 + k) * 3;
                int fixed24 = pos[o] | (pos[o + 1] << 8) | (pos[o + 2] << 16);
                if ((fixed24 & 0x800000) != 0) fixed24 |= unchecked((int)0xFF000000);
                a.Positions[i * 3 + k] = sign[k] * fixed24 * posScale;
                a.LogScales[i * 3 + k] = scale[i * 3 + k] / 16f - 10f;
                a.Sh[(long)i * a.K * 3 + k] = (color[i * 3 + k] / 255f - 0.5f) / ColorScale;
            }
            a.Opacity[i] = SplatArrays.Logit(Math.Clamp(alpha[i] / 255f, 0.5f / 255, 1 - 0.5f / 255));
            if (p.Version >= 3) UnpackSmallestThree(BinaryPrimitives.ReadUInt32LittleEndian(rot.AsSpan(i * 4)), q);
            else
            {
                for (int k = 0; k < 3; k++) q[k] = rot[i * 3 + k] / 127.5f - 1f;
                q[3] = MathF.Sqrt(MathF.Max(0, 1 - (q[0] * q[0] + q[1] * q[1] + q[2] * q[2])));
            }
            var (x, y, z) = axes.Vector(q[0], q[1], q[2]);
            a.Rotations[i * 4] = q[3]; a.Rotations[i * 4 + 1] = x; a.Rotations[i * 4 + 2] = y; a.Rotations[i * 4 + 3] = z;
            for (int j = 0; j < rest; j++)
                for (int ch = 0; ch < 3; ch++)
                    a.Sh[((long)i * a.K + 1 + j) * 3 + ch] = shSign[j] * (sh[((long)i * storedRest + j) * 3 + ch] - 128f) / 128f;
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
        if (WriteVersion is not (2 or 3 or 4)) throw new NotSupportedException($"Cannot write {name}: SPZ version {WriteVersion} (2, 3 and 4 can be written).");
        var packed = Encode(scene, name, WriteVersion);
        if (WriteVersion >= 4) SpzStreamContainer.Write(packed, stream);
        else SpzGzipContainer.Write(packed, stream);
    }

    private static SpzPacked Encode(GaussianScene scene, string name, int version)
    {
        var a = SplatArrays.FromScene(scene, name);
        int degree = GaussianScene.DegreeFromCoefficientCount(a.K);
        if (degree > 3) throw new ArgumentException($"Cannot write {name}: SH degree {degree} (SPZ here holds 0–3).");
        int n = a.Count, rest = a.K - 1, rotBytes = SpzPacked.RotationBytes(version);
        float maxAbs = 0;
        foreach (var v in a.Positions) maxAbs = MathF.Max(maxAbs, MathF.Abs(v));
        int fb = 12;
        while (fb > 0 && maxAbs * (1 << fb) >= (1 << 23) - 1) fb--;
        if (maxAbs * (1 << fb) >= (1 << 23) - 1) throw new ArgumentException($"Cannot write {name}: a position coordinate of {maxAbs} exceeds SPZ's 24-bit range (±8388607).");

        var axes = SpzAxes.RightUpBack; // flips are their own inverse: the same signs map PLY axes to SPZ's
        int[] sign = { axes.X, axes.Y, axes.Z };
        var shSign = Enumerable.Range(0, rest).Select(axes.ShSign).ToArray();
        var pos = new byte[n * 9L]; var alpha = new byte[n]; var color = new byte[n * 3L]; var scale = new byte[n * 3L];
        var rot = new byte[(long)n * rotBytes]; var sh = new byte[(long)n * rest * 3];
        static byte U8(float v) => (byte)Math.Clamp((int)MathF.Round(v), 0, 255);
        Span<float> q = stackalloc float[4];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                int fixed24 = (int)MathF.Round(sign[k] * a.Positions[i * 3 + k] * (1 << fb));
                int o = (i * 3 + k) * 3;
                pos[o] = (byte)fixed24; pos[o + 1] = (byte)(fixed24 >> 8); pos[o + 2] = (byte)(fixed24 >> 16);
                scale[i * 3 + k] = U8((a.LogScales[i * 3 + k] + 10f) * 16f);
                color[i * 3 + k] = U8(a.Sh[(long)i * a.K * 3 + k] * (ColorScale * 255f) + 127.5f);
            }
            alpha[i] = U8(SplatArrays.Sigmoid(a.Opacity[i]) * 255f);
            var (w, x, y, z) = a.UnitRotation(i);
            (q[0], q[1], q[2]) = axes.Vector(x, y, z);
            q[3] = w; // SPZ order x, y, z, w
            if (version >= 3) BinaryPrimitives.WriteUInt32LittleEndian(rot.AsSpan(i * 4), PackSmallestThree(q));
            else
            {
                float sgn = q[3] < 0 ? -1 : 1;
                for (int k = 0; k < 3; k++) rot[i * 3 + k] = U8(sgn * q[k] * 127.5f + 127.5f);
            }
            for (int j = 0; j < rest; j++)
                for (int ch = 0; ch < 3; ch++)
                    sh[((long)i * rest + j) * 3 + ch] = U8(shSign[j] * a.Sh[((long)i * a.K + 1 + j) * 3 + ch] * 128f + 128f);
        }
        return new SpzPacked
        {
            Version = version, Count = n, Degree = degree, FractionalBits = fb, Flags = 0,
            Positions = pos, Alphas = alpha, Colors = color, Scales = scale, Rotations = rot, Sh = sh,
        };
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
}
