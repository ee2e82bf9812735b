using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>
/// View-dependent colour from spherical harmonics as in the reference 3DGS (degrees 0–3):
/// colour = Σₖ shₖ·Yₖ(dir) + 0.5, clamped at ≥ 0, dir = normalize(mean − camera centre).
/// Plain TorchSharp maths, so autograd reaches the SH coefficients and (through dir) the means.
/// </summary>
internal static class ShEvaluator
{
    private const double C0 = ShConstants.C0, C1 = ShConstants.C1;
    private static readonly double[] C2 = { ShConstants.C20, ShConstants.C21, ShConstants.C22, ShConstants.C23, ShConstants.C24 };
    private static readonly double[] C3 = { ShConstants.C30, ShConstants.C31, ShConstants.C32, ShConstants.C33, ShConstants.C34, ShConstants.C35, ShConstants.C36 };

    /// <summary>The SH basis (N×K) for unit directions (N×3), K = (degree+1)².</summary>
    public static Tensor Basis(Tensor dirs, int degree)
    {
        var x = dirs[.., 0]; var y = dirs[.., 1]; var z = dirs[.., 2];
        var terms = new List<Tensor> { torch.full_like(x, C0) };
        if (degree >= 1) { terms.Add(-C1 * y); terms.Add(C1 * z); terms.Add(-C1 * x); }
        if (degree >= 2)
        {
            var xx = x * x; var yy = y * y; var zz = z * z;
            terms.Add(C2[0] * x * y); terms.Add(C2[1] * y * z); terms.Add(C2[2] * (2 * zz - xx - yy));
            terms.Add(C2[3] * x * z); terms.Add(C2[4] * (xx - yy));
            if (degree >= 3)
            {
                terms.Add(C3[0] * y * (3 * xx - yy)); terms.Add(C3[1] * x * y * z); terms.Add(C3[2] * y * (4 * zz - xx - yy));
                terms.Add(C3[3] * z * (2 * zz - 3 * xx - 3 * yy)); terms.Add(C3[4] * x * (4 * zz - xx - yy));
                terms.Add(C3[5] * z * (xx - yy)); terms.Add(C3[6] * x * (xx - 3 * yy));
            }
        }
        return torch.stack(terms, 1);
    }

    /// <summary>RGB (N×3) for coefficients N×K×3 seen from <paramref name="cameraCenter"/>, using SH up to <paramref name="degree"/>.</summary>
    public static Tensor Evaluate(Tensor sh, Tensor means, (double X, double Y, double Z) cameraCenter, int degree)
    {
        if (degree < 0 || degree > 3) throw new ArgumentOutOfRangeException(nameof(degree), $"SH degree must be 0–3, got {degree}.");
        int k = (degree + 1) * (degree + 1);
        if (sh.shape[1] < k) throw new ArgumentException($"SH degree {degree} needs {k} coefficients per channel, the scene has {sh.shape[1]}.", nameof(degree));
        using var scope = torch.NewDisposeScope();
        var centre = torch.tensor(new[] { cameraCenter.X, cameraCenter.Y, cameraCenter.Z }, dtype: means.dtype, device: means.device);
        var dirs = means - centre;
        dirs = dirs / dirs.norm(1, keepdim: true).clamp_min(1e-12);
        var basis = Basis(dirs, degree);                              // N×K
        var coeffs = sh[.., ..k, ..];                                 // N×K×3
        var rgb = (basis.unsqueeze(2) * coeffs).sum(1) + 0.5;
        return rgb.clamp_min(0).MoveToOuterDisposeScope();
    }
}
