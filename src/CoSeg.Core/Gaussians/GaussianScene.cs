using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Gaussians;

/// <summary>
/// A scene of N 3D Gaussians in the reference 3DGS parameterisation, held as TorchSharp float32 tensors:
/// means (N×3), log-scales (N×3), quaternions (N×4, w first, not necessarily normalised),
/// opacity logits (N) and spherical-harmonics coefficients (N×K×3, K = (degree+1)², index 0 = DC).
/// The scene owns its tensors and disposes them.
/// </summary>
public sealed class GaussianScene : IDisposable
{
    /// <summary>Creates a scene from parameter tensors (taken over, not copied). Shapes are validated.</summary>
    public GaussianScene(Tensor means, Tensor logScales, Tensor rotations, Tensor opacityLogits, Tensor shCoefficients)
    {
        ArgumentNullException.ThrowIfNull(means);
        long n = means.ndim == 2 && means.shape[1] == 3 ? means.shape[0]
            : throw new ArgumentException($"means must be N×3, got [{string.Join(",", means.shape)}].", nameof(means));
        Expect(logScales, nameof(logScales), n, 3);
        Expect(rotations, nameof(rotations), n, 4);
        if (opacityLogits.ndim != 1 || opacityLogits.shape[0] != n)
            throw new ArgumentException($"opacityLogits must have shape [{n}], got [{string.Join(",", opacityLogits.shape)}].", nameof(opacityLogits));
        if (shCoefficients.ndim != 3 || shCoefficients.shape[0] != n || shCoefficients.shape[2] != 3)
            throw new ArgumentException($"shCoefficients must be N×K×3 with N={n}, got [{string.Join(",", shCoefficients.shape)}].", nameof(shCoefficients));
        ShDegree = DegreeFromCoefficientCount((int)shCoefficients.shape[1]);
        Means = means; LogScales = logScales; Rotations = rotations; OpacityLogits = opacityLogits; ShCoefficients = shCoefficients;
    }

    private static void Expect(Tensor t, string name, long n, long c)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (t.ndim != 2 || t.shape[0] != n || t.shape[1] != c)
            throw new ArgumentException($"{name} must have shape [{n},{c}], got [{string.Join(",", t.shape)}].", name);
    }

    /// <summary>SH degree (0–3) from the number of coefficients per channel, K = (degree+1)².</summary>
    public static int DegreeFromCoefficientCount(int k)
    {
        for (int d = 0; d <= 4; d++) if ((d + 1) * (d + 1) == k) return d;
        throw new ArgumentException($"{k} SH coefficients per channel is not (degree+1)² for any degree 0–4.");
    }

    /// <summary>Number of Gaussians.</summary>
    public long Count => Means.shape[0];
    /// <summary>Spherical-harmonics degree of <see cref="ShCoefficients"/>.</summary>
    public int ShDegree { get; private set; }
    /// <summary>Centres, N×3, world units.</summary>
    public Tensor Means { get; private set; }
    /// <summary>Natural-log scales along the Gaussian's principal axes, N×3.</summary>
    public Tensor LogScales { get; private set; }
    /// <summary>Rotation quaternions (w, x, y, z), N×4; normalised before use.</summary>
    public Tensor Rotations { get; private set; }
    /// <summary>Opacity logits, N; opacity = sigmoid(logit).</summary>
    public Tensor OpacityLogits { get; private set; }
    /// <summary>SH coefficients, N×K×3 (coefficient-major, RGB last).</summary>
    public Tensor ShCoefficients { get; private set; }

    /// <summary>
    /// Extra per-Gaussian float properties (e.g. PLY properties beyond the reference layout, or a segment label),
    /// keyed by name, each of shape [N]. Preserved by PLY load/save.
    /// </summary>
    public Dictionary<string, Tensor> ExtraProperties { get; } = new();

    /// <summary>
    /// The header lines of the PLY file this scene was loaded from (without line terminators), or null. When the
    /// scene's properties still match them, <see cref="GaussianPly.Save"/> writes this header again (comments and
    /// property order as read; only the vertex count is updated), so an unmodified scene saves byte-identically.
    /// </summary>
    public IReadOnlyList<string>? PlyHeaderLines { get; set; }

    /// <summary>Loads a scene from a reference-layout 3DGS PLY file (see <see cref="GaussianPly.Load"/>).</summary>
    public static GaussianScene LoadPly(string path) => GaussianPly.Load(path);

    /// <summary>Saves the scene as a binary little-endian reference-layout 3DGS PLY file (see <see cref="GaussianPly.Save"/>).</summary>
    public void SavePly(string path) => GaussianPly.Save(this, path);

    /// <summary>Replaces all parameters at once (used by densification); disposes the old tensors.</summary>
    public void Replace(Tensor means, Tensor logScales, Tensor rotations, Tensor opacityLogits, Tensor shCoefficients)
    {
        var fresh = new GaussianScene(means, logScales, rotations, opacityLogits, shCoefficients);
        DisposeParameters();
        Means = fresh.Means; LogScales = fresh.LogScales; Rotations = fresh.Rotations;
        OpacityLogits = fresh.OpacityLogits; ShCoefficients = fresh.ShCoefficients; ShDegree = fresh.ShDegree;
    }

    /// <summary>Deep copy, detached from any autograd graph.</summary>
    public GaussianScene Clone()
    {
        var c = new GaussianScene(Means.detach().clone(), LogScales.detach().clone(), Rotations.detach().clone(),
                                  OpacityLogits.detach().clone(), ShCoefficients.detach().clone());
        foreach (var (k, v) in ExtraProperties) c.ExtraProperties[k] = v.detach().clone();
        c.PlyHeaderLines = PlyHeaderLines;
        return c;
    }

    private void DisposeParameters()
    {
        Means?.Dispose(); LogScales?.Dispose(); Rotations?.Dispose(); OpacityLogits?.Dispose(); ShCoefficients?.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        DisposeParameters();
        foreach (var v in ExtraProperties.Values) v.Dispose();
        ExtraProperties.Clear();
    }
}
