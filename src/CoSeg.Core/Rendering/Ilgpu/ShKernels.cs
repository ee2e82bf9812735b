using ILGPU;
using ILGPU.Algorithms;

namespace CoSeg.Rendering.Ilgpu;

/// <summary>Constants of one SH evaluation: camera centre, active degree and coefficients per channel in the buffer.</summary>
internal struct ShParams
{
    public float Cx, Cy, Cz;
    public int Degree, Coefficients;
}

/// <summary>
/// Spherical-harmonics colour kernels (degrees 0–3, the reference 3DGS convention): colour = Σₖ shₖ·Yₖ(dir) + 0.5,
/// clamped at ≥ 0, dir = normalize(mean − camera centre). SH buffers are N×K×3 (channel-last).
/// </summary>
internal static class ShKernels
{
    private const float C0 = (float)ShConstants.C0;
    private const float C1 = (float)ShConstants.C1;
    private const float C20 = (float)ShConstants.C20, C21 = (float)ShConstants.C21, C22 = (float)ShConstants.C22, C23 = (float)ShConstants.C23, C24 = (float)ShConstants.C24;
    private const float C30 = (float)ShConstants.C30, C31 = (float)ShConstants.C31, C32 = (float)ShConstants.C32, C33 = (float)ShConstants.C33,
                        C34 = (float)ShConstants.C34, C35 = (float)ShConstants.C35, C36 = (float)ShConstants.C36;

    /// <summary>Basis function k at unit direction (x, y, z).</summary>
    private static float Basis(int k, float x, float y, float z)
    {
        switch (k)
        {
            case 0: return C0;
            case 1: return -C1 * y;
            case 2: return C1 * z;
            case 3: return -C1 * x;
            case 4: return C20 * x * y;
            case 5: return C21 * y * z;
            case 6: return C22 * (2 * z * z - x * x - y * y);
            case 7: return C23 * x * z;
            case 8: return C24 * (x * x - y * y);
            case 9: return C30 * y * (3 * x * x - y * y);
            case 10: return C31 * x * y * z;
            case 11: return C32 * y * (4 * z * z - x * x - y * y);
            case 12: return C33 * z * (2 * z * z - 3 * x * x - 3 * y * y);
            case 13: return C34 * x * (4 * z * z - x * x - y * y);
            case 14: return C35 * z * (x * x - y * y);
            default: return C36 * x * (x * x - 3 * y * y);
        }
    }

    /// <summary>Gradient of basis function k with respect to the (unnormalised-treated) direction components.</summary>
    private static void BasisGrad(int k, float x, float y, float z, out float gx, out float gy, out float gz)
    {
        gx = 0; gy = 0; gz = 0;
        switch (k)
        {
            case 1: gy = -C1; break;
            case 2: gz = C1; break;
            case 3: gx = -C1; break;
            case 4: gx = C20 * y; gy = C20 * x; break;
            case 5: gy = C21 * z; gz = C21 * y; break;
            case 6: gx = -2 * C22 * x; gy = -2 * C22 * y; gz = 4 * C22 * z; break;
            case 7: gx = C23 * z; gz = C23 * x; break;
            case 8: gx = 2 * C24 * x; gy = -2 * C24 * y; break;
            case 9: gx = 6 * C30 * x * y; gy = C30 * (3 * x * x - 3 * y * y); break;
            case 10: gx = C31 * y * z; gy = C31 * x * z; gz = C31 * x * y; break;
            case 11: gx = -2 * C32 * x * y; gy = C32 * (4 * z * z - x * x - 3 * y * y); gz = 8 * C32 * y * z; break;
            case 12: gx = -6 * C33 * x * z; gy = -6 * C33 * y * z; gz = C33 * (6 * z * z - 3 * x * x - 3 * y * y); break;
            case 13: gx = C34 * (4 * z * z - 3 * x * x - y * y); gy = -2 * C34 * x * y; gz = 8 * C34 * x * z; break;
            case 14: gx = 2 * C35 * x * z; gy = -2 * C35 * y * z; gz = C35 * (x * x - y * y); break;
            case 15: gx = C36 * (3 * x * x - 3 * y * y); gy = -6 * C36 * x * y; break;
        }
    }

    /// <summary>Per Gaussian: RGB from its SH coefficients seen from the camera centre.</summary>
    public static void Forward(Index1D index, GridStride range, ShParams p, ArrayView<float> means, ArrayView<float> sh, ArrayView<float> colors)
    {
        for (int i = index; i < range.Count; i += range.Stride) ForwardAt(i, p, means, sh, colors);
    }

    private static void ForwardAt(int i, ShParams p, ArrayView<float> means, ArrayView<float> sh, ArrayView<float> colors)
    {
        float vx = means[3 * i] - p.Cx, vy = means[3 * i + 1] - p.Cy, vz = means[3 * i + 2] - p.Cz;
        float len = XMath.Max(XMath.Sqrt(vx * vx + vy * vy + vz * vz), 1e-12f);
        float x = vx / len, y = vy / len, z = vz / len;
        int used = (p.Degree + 1) * (p.Degree + 1);
        for (int ch = 0; ch < 3; ch++)
        {
            float acc = 0.5f;
            for (int k = 0; k < used; k++) acc += Basis(k, x, y, z) * sh[(i * p.Coefficients + k) * 3 + ch];
            colors[3 * i + ch] = XMath.Max(acc, 0f);
        }
    }

    /// <summary>
    /// Per Gaussian: dL/d(SH coefficients) and dL/d(mean) (through the view direction) from dL/d(colour); channels whose
    /// colour was clamped at 0 pass no gradient.
    /// </summary>
    public static void Backward(Index1D index, GridStride range, ShParams p, ArrayView<float> means, ArrayView<float> sh, ArrayView<float> gradColors,
                                ArrayView<float> gradSh, ArrayView<float> gradMeans)
    {
        for (int i = index; i < range.Count; i += range.Stride) BackwardAt(i, p, means, sh, gradColors, gradSh, gradMeans);
    }

    private static void BackwardAt(int i, ShParams p, ArrayView<float> means, ArrayView<float> sh, ArrayView<float> gradColors,
                                ArrayView<float> gradSh, ArrayView<float> gradMeans)
    {
        float vx = means[3 * i] - p.Cx, vy = means[3 * i + 1] - p.Cy, vz = means[3 * i + 2] - p.Cz;
        float len = XMath.Max(XMath.Sqrt(vx * vx + vy * vy + vz * vz), 1e-12f);
        float x = vx / len, y = vy / len, z = vz / len;
        int used = (p.Degree + 1) * (p.Degree + 1);
        for (int k = 0; k < p.Coefficients * 3; k++) gradSh[i * p.Coefficients * 3 + k] = 0f;
        float gdx = 0, gdy = 0, gdz = 0;
        for (int ch = 0; ch < 3; ch++)
        {
            float acc = 0.5f;
            for (int k = 0; k < used; k++) acc += Basis(k, x, y, z) * sh[(i * p.Coefficients + k) * 3 + ch];
            if (acc < 0f) continue; // clamped (matches torch's clamp_min gradient mask, which passes at equality)
            float g = gradColors[3 * i + ch];
            for (int k = 0; k < used; k++)
            {
                float c = sh[(i * p.Coefficients + k) * 3 + ch];
                gradSh[(i * p.Coefficients + k) * 3 + ch] = g * Basis(k, x, y, z);
                BasisGrad(k, x, y, z, out float bx, out float by, out float bz);
                gdx += g * c * bx; gdy += g * c * by; gdz += g * c * bz;
            }
        }
        // dir = v/|v|: dL/dv = (g − dir (dir·g)) / |v|.
        float dot = x * gdx + y * gdy + z * gdz;
        gradMeans[3 * i] = (gdx - x * dot) / len;
        gradMeans[3 * i + 1] = (gdy - y * dot) / len;
        gradMeans[3 * i + 2] = (gdz - z * dot) / len;
    }
}
