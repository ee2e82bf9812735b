using System.Buffers.Binary;

namespace CoSeg.Gaussians.Formats;

/// <summary>
/// antimatter15's <c>.splat</c> (the web viewers' format): no header, 32 bytes per Gaussian — position 3×float32,
/// linear scale 3×float32, colour RGBA 4×uint8 (RGB = 0.5 + C0·f_dc, A = sigmoid(opacity), both ×255) and rotation
/// 4×uint8 (w, x, y, z of the unit quaternion as q·128 + 128). Only the DC colour is kept (SH degree 0). There is no
/// magic number: content is recognised by a length that is a multiple of 32 and a plausible first record.
/// </summary>
public sealed class AntimatterSplatFormat : IGaussianSceneFormat
{
    private const int Record = 32;

    /// <inheritdoc />
    public string Name => "splat";
    /// <inheritdoc />
    public IReadOnlyList<string> Extensions { get; } = new[] { ".splat" };
    /// <inheritdoc />
    public bool CanWrite => true;

    /// <inheritdoc />
    public bool Detect(ReadOnlySpan<byte> head, long length)
    {
        if (length <= 0 || length % Record != 0 || head.Length < Record) return false;
        for (int k = 0; k < 6; k++)
        {
            float v = BinaryPrimitives.ReadSingleLittleEndian(head.Slice(k * 4, 4));
            if (!float.IsFinite(v) || Math.Abs(v) > 1e6f || (k >= 3 && !(v > 0))) return false;
        }
        int q = 0;
        for (int k = 28; k < 32; k++) q += (head[k] - 128) * (head[k] - 128);
        return q >= 64 * 64; // a unit quaternion has ‖q·128‖ ≈ 128
    }

    /// <inheritdoc />
    public GaussianScene Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long? remaining = SplatArrays.Remaining(stream);
        byte[] data;
        if (remaining is long r)
        {
            if (r % Record != 0) throw new InvalidDataException($"{name}: {r} bytes is not a whole number of 32-byte .splat records (truncated or not a .splat file).");
            if (r / Record > int.MaxValue / 64) throw new InvalidDataException($"{name}: {r / Record} Gaussians is too many.");
            data = SplatArrays.ReadSection(stream, r, name, "Gaussian records");
        }
        else
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            data = ms.ToArray();
            if (data.Length % Record != 0) throw new InvalidDataException($"{name}: {data.Length} bytes is not a whole number of 32-byte .splat records (truncated or not a .splat file).");
        }
        int n = data.Length / Record;
        var a = new SplatArrays(n, 1);
        for (int i = 0; i < n; i++)
        {
            var rec = data.AsSpan(i * Record, Record);
            for (int k = 0; k < 3; k++)
            {
                a.Positions[i * 3 + k] = BinaryPrimitives.ReadSingleLittleEndian(rec.Slice(k * 4, 4));
                float s = BinaryPrimitives.ReadSingleLittleEndian(rec.Slice(12 + k * 4, 4));
                if (!(s > 0) || !float.IsFinite(s)) throw new InvalidDataException($"{name}: Gaussian {i} has scale {s} (scales must be positive and finite).");
                a.LogScales[i * 3 + k] = MathF.Log(s);
                a.Sh[i * 3 + k] = (rec[24 + k] / 255f - 0.5f) / SplatArrays.ShC0;
            }
            a.Opacity[i] = SplatArrays.Logit(Math.Clamp(rec[27] / 255f, 0.5f / 255, 1 - 0.5f / 255));
            float w = (rec[28] - 128) / 128f, x = (rec[29] - 128) / 128f, y = (rec[30] - 128) / 128f, z = (rec[31] - 128) / 128f;
            if (w == 0 && x == 0 && y == 0 && z == 0) w = 1;
            a.Rotations[i * 4] = w; a.Rotations[i * 4 + 1] = x; a.Rotations[i * 4 + 2] = y; a.Rotations[i * 4 + 3] = z;
        }
        return a.ToScene(name);
    }

    /// <inheritdoc />
    public void Write(GaussianScene scene, Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var a = SplatArrays.FromScene(scene, name);
        var rec = new byte[Record];
        static byte U8(float v) => (byte)Math.Clamp((int)MathF.Round(v), 0, 255);
        for (int i = 0; i < a.Count; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(rec.AsSpan(k * 4, 4), a.Positions[i * 3 + k]);
                BinaryPrimitives.WriteSingleLittleEndian(rec.AsSpan(12 + k * 4, 4), MathF.Exp(a.LogScales[i * 3 + k]));
                rec[24 + k] = U8((0.5f + SplatArrays.ShC0 * a.Sh[(long)i * a.K * 3 + k]) * 255);
            }
            rec[27] = U8(SplatArrays.Sigmoid(a.Opacity[i]) * 255);
            var (w, x, y, z) = a.UnitRotation(i);
            rec[28] = U8(w * 128 + 128); rec[29] = U8(x * 128 + 128); rec[30] = U8(y * 128 + 128); rec[31] = U8(z * 128 + 128);
            stream.Write(rec);
        }
    }
}
