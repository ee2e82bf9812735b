using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Gaussians.Formats;

/// <summary>
/// A scene's parameters as flat float arrays in the reference PLY conventions (positions, log-scales, quaternions
/// w-first, opacity logits, SH N×K×3 coefficient-major), the common ground of the format codecs.
/// </summary>
internal sealed class SplatArrays
{
    /// <summary>SH degree-0 basis constant: colour = 0.5 + C0·f_dc.</summary>
    public const float ShC0 = 0.28209479177387814f;
    /// <summary>Bound on reconstructed opacity logits (8-bit alphas of 0 or 255 would be ±∞).</summary>
    public const float MaxLogit = 12f;

    public SplatArrays(int count, int shCoefficients)
    {
        Count = count; K = shCoefficients;
        Positions = new float[count * 3L]; LogScales = new float[count * 3L]; Rotations = new float[count * 4L];
        Opacity = new float[count]; Sh = new float[(long)count * shCoefficients * 3];
    }

    public int Count { get; }
    /// <summary>SH coefficients per channel, K = (degree+1)².</summary>
    public int K { get; }
    public float[] Positions { get; }
    public float[] LogScales { get; }
    public float[] Rotations { get; }
    public float[] Opacity { get; }
    public float[] Sh { get; }

    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>Logit of an 8-bit (or any [0, 1]) alpha, clamped to ±<see cref="MaxLogit"/>.</summary>
    public static float Logit(float p) => Math.Clamp(MathF.Log(p / (1 - p)), -MaxLogit, MaxLogit);

    public static SplatArrays FromScene(GaussianScene scene, string name)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (scene.Count > int.MaxValue / 64) throw new ArgumentException($"Cannot write {name}: {scene.Count} Gaussians is too many.");
        int n = (int)scene.Count, k = (int)scene.ShCoefficients.shape[1];
        var a = new SplatArrays(n, k);
        static float[] Get(Tensor t) { using var c = t.detach().to(CPU).to_type(ScalarType.Float32).contiguous(); return c.data<float>().ToArray(); }
        if (n > 0)
        {
            Get(scene.Means).CopyTo(a.Positions, 0); Get(scene.LogScales).CopyTo(a.LogScales, 0);
            Get(scene.Rotations).CopyTo(a.Rotations, 0); Get(scene.OpacityLogits).CopyTo(a.Opacity, 0);
            Get(scene.ShCoefficients).CopyTo(a.Sh, 0);
        }
        foreach (var (label, values) in new[] { ("position", a.Positions), ("scale", a.LogScales), ("rotation", a.Rotations), ("opacity", a.Opacity), ("SH", a.Sh) })
        {
            int bad = Array.FindIndex(values, v => !float.IsFinite(v));
            if (bad >= 0) throw new ArgumentException($"Cannot write {name}: Gaussian {bad / Math.Max(1, values.Length / Math.Max(1, n))} has a non-finite {label} value.");
        }
        return a;
    }

    /// <summary>Builds the scene; rejects NaN/Inf values with the source name and the first bad Gaussian.</summary>
    public GaussianScene ToScene(string name)
    {
        foreach (var (label, values, width) in new[] { ("position", Positions, 3), ("scale", LogScales, 3), ("rotation", Rotations, 4), ("opacity", Opacity, 1), ("SH", Sh, 3 * K) })
        {
            int bad = Array.FindIndex(values, v => !float.IsFinite(v));
            if (bad >= 0) throw new InvalidDataException($"{name}: Gaussian {bad / width} has a NaN or infinite {label} value.");
        }
        long n = Count;
        return new GaussianScene(torch.tensor(Positions, new long[] { n, 3 }), torch.tensor(LogScales, new long[] { n, 3 }),
                                 torch.tensor(Rotations, new long[] { n, 4 }), torch.tensor(Opacity, new long[] { n }),
                                 torch.tensor(Sh, new long[] { n, K, 3 }));
    }

    /// <summary>The normalised quaternion of Gaussian i (w, x, y, z); identity for a zero quaternion.</summary>
    public (float W, float X, float Y, float Z) UnitRotation(int i)
    {
        float w = Rotations[i * 4], x = Rotations[i * 4 + 1], y = Rotations[i * 4 + 2], z = Rotations[i * 4 + 3];
        float norm = MathF.Sqrt(w * w + x * x + y * y + z * z);
        return norm > 0 ? (w / norm, x / norm, y / norm, z / norm) : (1, 0, 0, 0);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes or throws a truncation error naming the section.</summary>
    public static byte[] ReadSection(Stream s, long count, string name, string section)
    {
        var buf = new byte[count];
        int got = s.ReadAtLeast(buf, buf.Length, throwOnEndOfStream: false);
        if (got < count) throw new InvalidDataException($"{name}: truncated: the {section} needs {count} bytes but only {got} remain.");
        return buf;
    }

    /// <summary>Bytes left in a seekable stream, or null when it cannot tell.</summary>
    public static long? Remaining(Stream s) => s.CanSeek ? s.Length - s.Position : null;
}
