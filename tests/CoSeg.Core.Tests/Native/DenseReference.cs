namespace CoSeg.Tests.Native;

/// <summary>A plain scene in double precision (what the tests perturb for finite differences).</summary>
internal sealed class DScene
{
    public required double[] Means;      // N*3
    public required double[] Scales;     // N*3 (activated)
    public required double[] Quats;      // N*4 (w,x,y,z), unnormalised
    public required double[] Opacities;  // N (activated)
    public required double[] Colors;     // N*C
    public required int C;
    public double[]? Mean2dOffsets;      // N*2 added to the projected means (for d/d mean2d)
    public int N => Opacities.Length;

    public DScene Clone() => new()
    {
        Means = (double[])Means.Clone(), Scales = (double[])Scales.Clone(), Quats = (double[])Quats.Clone(),
        Opacities = (double[])Opacities.Clone(), Colors = (double[])Colors.Clone(), C = C,
        Mean2dOffsets = (double[]?)Mean2dOffsets?.Clone(),
    };
}

/// <summary>A camera in double precision.</summary>
internal sealed record DCamera(int W, int H, double Fx, double Fy, double Cx, double Cy, double[] R, double[] T);

/// <summary>Dense output of the reference renderer, plus the per-pixel blending lists (front to back).</summary>
internal sealed class DImage
{
    public required double[] Colors;  // H*W*C
    public required double[] Alpha;   // H*W
    public required double[] Depth;   // H*W
    public required int[] Radii;
    public required List<int>[] Blended;  // per pixel, Gaussian ids actually blended
    public required List<double>[] Weights;  // per pixel, the blend weights alpha*T of those Gaussians
}

/// <summary>
/// Independent, deliberately naive double-precision implementation of docs/rasterizer.md: every pixel loops over all
/// Gaussians (sorted by depth) that touch its tile. <see cref="RenderFrozen"/> reuses the blending lists of a base
/// render so that central finite differences see the smooth function whose gradient the rasterizer computes.
/// </summary>
internal static class DenseReference
{
    private sealed record Proj(double Mx, double My, double A, double B, double Cc, double Z, int Radius, int X0, int X1, int Y0, int Y1);

    private static Proj? Project(DScene s, int i, DCamera cam, double near, double far, double eps, int tilesX, int tilesY)
    {
        var m = new[] { s.Means[3 * i], s.Means[3 * i + 1], s.Means[3 * i + 2] };
        var R = cam.R;
        var p = new double[3];
        for (var r = 0; r < 3; r++) p[r] = R[3 * r] * m[0] + R[3 * r + 1] * m[1] + R[3 * r + 2] * m[2] + cam.T[r];
        var z = p[2];
        if (!(z > near) || !(z < far)) return null;
        double qw = s.Quats[4 * i], qx = s.Quats[4 * i + 1], qy = s.Quats[4 * i + 2], qz = s.Quats[4 * i + 3];
        var ql = Math.Sqrt(qw * qw + qx * qx + qy * qy + qz * qz);
        qw /= ql; qx /= ql; qy /= ql; qz /= ql;
        double[,] Rq =
        {
            { 1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qw * qz), 2 * (qx * qz + qw * qy) },
            { 2 * (qx * qy + qw * qz), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qw * qx) },
            { 2 * (qx * qz - qw * qy), 2 * (qy * qz + qw * qx), 1 - 2 * (qx * qx + qy * qy) },
        };
        var M = new double[3, 3];
        for (var a = 0; a < 3; a++) for (var b = 0; b < 3; b++) M[a, b] = Rq[a, b] * s.Scales[3 * i + b];
        var Sig = new double[3, 3];
        for (var a = 0; a < 3; a++) for (var b = 0; b < 3; b++) for (var k = 0; k < 3; k++) Sig[a, b] += M[a, k] * M[b, k];
        var W = new double[3, 3];
        for (var a = 0; a < 3; a++) for (var b = 0; b < 3; b++)
            for (var k = 0; k < 3; k++) for (var l = 0; l < 3; l++) W[a, b] += R[3 * a + k] * Sig[k, l] * R[3 * b + l];
        double tanx = 0.5 * cam.W / cam.Fx, tany = 0.5 * cam.H / cam.Fy;
        double limxp = (cam.W - cam.Cx) / cam.Fx + 0.3 * tanx, limxn = cam.Cx / cam.Fx + 0.3 * tanx;
        double limyp = (cam.H - cam.Cy) / cam.Fy + 0.3 * tany, limyn = cam.Cy / cam.Fy + 0.3 * tany;
        var tx = z * Math.Clamp(p[0] / z, -limxn, limxp);
        var ty = z * Math.Clamp(p[1] / z, -limyn, limyp);
        double[,] J = { { cam.Fx / z, 0, -cam.Fx * tx / (z * z) }, { 0, cam.Fy / z, -cam.Fy * ty / (z * z) } };
        var S2 = new double[2, 2];
        for (var a = 0; a < 2; a++) for (var b = 0; b < 2; b++)
            for (var k = 0; k < 3; k++) for (var l = 0; l < 3; l++) S2[a, b] += J[a, k] * W[k, l] * J[b, l];
        double ca = S2[0, 0] + eps, cb = S2[0, 1], cc = S2[1, 1] + eps;
        var det = ca * cc - cb * cb;
        if (!(det > 0)) return null;
        var mx = cam.Fx * p[0] / z + cam.Cx;
        var my = cam.Fy * p[1] / z + cam.Cy;
        if (s.Mean2dOffsets is { } off) { mx += off[2 * i]; my += off[2 * i + 1]; }
        var mid = 0.5 * (ca + cc);
        var lambda = mid + Math.Sqrt(Math.Max(0.1, mid * mid - det));
        var rad = Math.Ceiling(3 * Math.Sqrt(lambda));
        int x0 = Math.Clamp((int)Math.Floor((mx - rad) / 16), 0, tilesX), x1 = Math.Clamp((int)Math.Floor((mx + rad + 15) / 16), 0, tilesX);
        int y0 = Math.Clamp((int)Math.Floor((my - rad) / 16), 0, tilesY), y1 = Math.Clamp((int)Math.Floor((my + rad + 15) / 16), 0, tilesY);
        if (x1 <= x0 || y1 <= y0) return null;
        return new Proj(mx, my, cc / det, -cb / det, ca / det, z, (int)rad, x0, x1, y0, y1);
    }

    /// <summary>Full render with all the discrete decisions of the rasterizer.</summary>
    public static DImage Render(DScene s, DCamera cam, double[]? background = null, double near = 0.01, double far = 1e10, double eps = 0.3)
        => RenderCore(s, cam, background, near, far, eps, null);

    /// <summary>Render that blends exactly the given per-pixel lists (no thresholds): smooth in the scene parameters.</summary>
    public static DImage RenderFrozen(DScene s, DCamera cam, List<int>[] lists, double[]? background = null, double eps = 0.3)
        => RenderCore(s, cam, background, -1e30, 1e30, eps, lists);

    private static DImage RenderCore(DScene s, DCamera cam, double[]? bg, double near, double far, double eps, List<int>[]? frozen)
    {
        int tilesX = (cam.W + 15) / 16, tilesY = (cam.H + 15) / 16, C = s.C;
        var proj = new Proj?[s.N];
        var radii = new int[s.N];
        for (var i = 0; i < s.N; i++) { proj[i] = Project(s, i, cam, near, far, eps, tilesX, tilesY); radii[i] = proj[i]?.Radius ?? 0; }
        var order = Enumerable.Range(0, s.N).Where(i => proj[i] is not null).OrderBy(i => proj[i]!.Z).ToArray();
        var img = new DImage
        {
            Colors = new double[cam.W * cam.H * C], Alpha = new double[cam.W * cam.H], Depth = new double[cam.W * cam.H],
            Radii = radii, Blended = new List<int>[cam.W * cam.H], Weights = new List<double>[cam.W * cam.H],
        };
        for (var row = 0; row < cam.H; row++)
        for (var col = 0; col < cam.W; col++)
        {
            var pix = row * cam.W + col;
            int tx = col / 16, ty = row / 16;
            double T = 1, d = 0;
            var acc = new double[C];
            var list = new List<int>();
            var weights = new List<double>();
            IEnumerable<int> candidates = frozen is null ? order : frozen[pix];
            foreach (var i in candidates)
            {
                var p = proj[i];
                if (p is null) continue;
                if (frozen is null && (tx < p.X0 || tx >= p.X1 || ty < p.Y0 || ty >= p.Y1)) continue;
                double dx = p.Mx - (col + 0.5), dy = p.My - (row + 0.5);
                var power = -0.5 * (p.A * dx * dx + p.Cc * dy * dy) - p.B * dx * dy;
                var alpha = Math.Min(0.99, s.Opacities[i] * Math.Exp(power));
                if (frozen is null)
                {
                    if (power > 0 || alpha < 1.0 / 255) continue;
                    if (T * (1 - alpha) < 1e-4) break;
                }
                var w = alpha * T;
                for (var c = 0; c < C; c++) acc[c] += w * s.Colors[i * C + c];
                d += w * p.Z;
                T *= 1 - alpha;
                list.Add(i);
                weights.Add(w);
            }
            for (var c = 0; c < C; c++) img.Colors[pix * C + c] = acc[c] + (bg is null ? 0 : T * bg[c]);
            img.Alpha[pix] = 1 - T;
            img.Depth[pix] = d;
            img.Blended[pix] = list;
            img.Weights[pix] = weights;
        }
        return img;
    }
}
