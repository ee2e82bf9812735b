using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Computes a view's blending weights for a frozen geometry on the CPU, with exactly the projection, tile binning and
/// front-to-back blending conventions of docs/rasterizer.md (so its weights are the ones every rasterizer backend
/// blends with). Used to cache per-view weights for segmentation training and feature unprojection.
/// </summary>
internal static class BlendWeightRasterizer
{
    private const int Tile = 16;

    /// <summary>Activated geometry arrays of a scene (means, exp'd scales, normalised-later quaternions, sigmoid'd opacities).</summary>
    internal sealed record Geometry(float[] Means, float[] Scales, float[] Quats, float[] Opacities)
    {
        public int Count => Opacities.Length;

        public static Geometry FromScene(GaussianScene scene)
        {
            using var scope = NewDisposeScope();
            float[] Get(Tensor t) => t.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
            return new Geometry(Get(scene.Means), Get(scene.LogScales.exp()), Get(scene.Rotations), Get(scene.OpacityLogits.sigmoid()));
        }
    }

    /// <summary>Blending weights of every Gaussian at every pixel of <paramref name="camera"/>.</summary>
    public static ViewBlendWeights Compute(Geometry g, Camera camera, RasterSettings? settings = null)
    {
        settings ??= new RasterSettings();
        int n = g.Count, W = camera.Width, H = camera.Height;
        int tilesX = (W + Tile - 1) / Tile, tilesY = (H + Tile - 1) / Tile;
        var v = camera.ViewMatrix3x4();
        float fx = (float)camera.Fx, fy = (float)camera.Fy, cx = (float)camera.Cx, cy = (float)camera.Cy;
        var mx = new float[n]; var my = new float[n]; var depth = new float[n];
        var conA = new float[n]; var conB = new float[n]; var conC = new float[n];
        var rect = new int[n * 4];
        var visible = new bool[n];
        float tanX = 0.5f * W / fx, tanY = 0.5f * H / fy;
        float limXp = (W - cx) / fx + 0.3f * tanX, limXm = cx / fx + 0.3f * tanX;
        float limYp = (H - cy) / fy + 0.3f * tanY, limYm = cy / fy + 0.3f * tanY;

        Parallel.For(0, n, i =>
        {
            float x = g.Means[3 * i], y = g.Means[3 * i + 1], z = g.Means[3 * i + 2];
            float px = v[0] * x + v[1] * y + v[2] * z + v[3];
            float py = v[4] * x + v[5] * y + v[6] * z + v[7];
            float pz = v[8] * x + v[9] * y + v[10] * z + v[11];
            if (!(pz > settings.NearPlane) || !(pz < settings.FarPlane)) return;
            // Σ = M Mᵀ, M = R(q̂)·diag(s)
            float qw = g.Quats[4 * i], qx = g.Quats[4 * i + 1], qy = g.Quats[4 * i + 2], qz = g.Quats[4 * i + 3];
            float qn = MathF.Sqrt(qw * qw + qx * qx + qy * qy + qz * qz);
            if (!(qn > 0)) return;
            qw /= qn; qx /= qn; qy /= qn; qz /= qn;
            Span<float> r = stackalloc float[9]
            {
                1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qw * qz), 2 * (qx * qz + qw * qy),
                2 * (qx * qy + qw * qz), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qw * qx),
                2 * (qx * qz - qw * qy), 2 * (qy * qz + qw * qx), 1 - 2 * (qx * qx + qy * qy),
            };
            float sx = g.Scales[3 * i], sy = g.Scales[3 * i + 1], sz = g.Scales[3 * i + 2];
            Span<float> m = stackalloc float[9];
            for (int row = 0; row < 3; row++) { m[3 * row] = r[3 * row] * sx; m[3 * row + 1] = r[3 * row + 1] * sy; m[3 * row + 2] = r[3 * row + 2] * sz; }
            // T = W·M (camera rotation times M), Σ_cam = T Tᵀ
            Span<float> t = stackalloc float[9];
            for (int row = 0; row < 3; row++)
                for (int col = 0; col < 3; col++)
                    t[3 * row + col] = v[4 * row] * m[col] + v[4 * row + 1] * m[3 + col] + v[4 * row + 2] * m[6 + col];
            float tx = pz * Math.Clamp(px / pz, -limXm, limXp), ty = pz * Math.Clamp(py / pz, -limYm, limYp);
            float j00 = fx / pz, j02 = -fx * tx / (pz * pz), j11 = fy / pz, j12 = -fy * ty / (pz * pz);
            // U = J·T (2×3); Σ2d = U Uᵀ
            float u00 = j00 * t[0] + j02 * t[6], u01 = j00 * t[1] + j02 * t[7], u02 = j00 * t[2] + j02 * t[8];
            float u10 = j11 * t[3] + j12 * t[6], u11 = j11 * t[4] + j12 * t[7], u12 = j11 * t[5] + j12 * t[8];
            float a = u00 * u00 + u01 * u01 + u02 * u02 + settings.LowPassFilter;
            float b = u00 * u10 + u01 * u11 + u02 * u12;
            float c = u10 * u10 + u11 * u11 + u12 * u12 + settings.LowPassFilter;
            float det = a * c - b * b;
            if (!(det > 0)) return;
            float u = fx * px / pz + cx, w = fy * py / pz + cy;
            float mid = 0.5f * (a + c);
            float lambda = mid + MathF.Sqrt(MathF.Max(0.1f, mid * mid - det));
            float rad = MathF.Ceiling(3f * MathF.Sqrt(lambda));
            int x0 = Math.Clamp((int)MathF.Floor((u - rad) / Tile), 0, tilesX), x1 = Math.Clamp((int)MathF.Floor((u + rad + Tile - 1) / Tile), 0, tilesX);
            int y0 = Math.Clamp((int)MathF.Floor((w - rad) / Tile), 0, tilesY), y1 = Math.Clamp((int)MathF.Floor((w + rad + Tile - 1) / Tile), 0, tilesY);
            if (x1 <= x0 || y1 <= y0 || !float.IsFinite(u) || !float.IsFinite(w)) return;
            mx[i] = u; my[i] = w; depth[i] = pz;
            conA[i] = c / det; conB[i] = -b / det; conC[i] = a / det;
            rect[4 * i] = x0; rect[4 * i + 1] = x1; rect[4 * i + 2] = y0; rect[4 * i + 3] = y1;
            visible[i] = true;
        });

        // Bin into tiles in increasing depth (ties by index, so results are deterministic).
        var order = Enumerable.Range(0, n).Where(i => visible[i]).ToArray();
        Array.Sort(order, (p, q) => { int cmp = depth[p].CompareTo(depth[q]); return cmp != 0 ? cmp : p.CompareTo(q); });
        var tileLists = new List<int>[tilesX * tilesY];
        for (int t = 0; t < tileLists.Length; t++) tileLists[t] = new List<int>();
        foreach (int i in order)
            for (int ty = rect[4 * i + 2]; ty < rect[4 * i + 3]; ty++)
                for (int tx = rect[4 * i]; tx < rect[4 * i + 1]; tx++)
                    tileLists[ty * tilesX + tx].Add(i);

        var alpha = new float[W * H];
        var perTile = new (List<int> P, List<int> G, List<float> Wt)[tileLists.Length];
        Parallel.For(0, tileLists.Length, t =>
        {
            var list = tileLists[t];
            var pl = new List<int>(); var gl = new List<int>(); var wl = new List<float>();
            int tx = t % tilesX, ty = t / tilesX;
            for (int row = ty * Tile; row < Math.Min(H, ty * Tile + Tile); row++)
                for (int col = tx * Tile; col < Math.Min(W, tx * Tile + Tile); col++)
                {
                    float T = 1f, pxc = col + 0.5f, pyc = row + 0.5f;
                    foreach (int i in list)
                    {
                        float dx = mx[i] - pxc, dy = my[i] - pyc;
                        float power = -0.5f * (conA[i] * dx * dx + conC[i] * dy * dy) - conB[i] * dx * dy;
                        if (power > 0f) continue;
                        float al = MathF.Min(0.99f, g.Opacities[i] * MathF.Exp(power));
                        if (al < 1f / 255f) continue;
                        float next = T * (1f - al);
                        if (next < 1e-4f) break;
                        pl.Add(row * W + col); gl.Add(i); wl.Add(al * T);
                        T = next;
                    }
                    alpha[row * W + col] = 1f - T;
                }
            perTile[t] = (pl, gl, wl);
        });
        int total = perTile.Sum(p => p.P.Count);
        var pix = new int[total]; var gau = new int[total]; var wts = new float[total];
        int o = 0;
        foreach (var (p, gg, ww) in perTile)
        {
            p.CopyTo(pix, o); gg.CopyTo(gau, o); ww.CopyTo(wts, o); o += p.Count;
        }
        return new ViewBlendWeights(W, H, pix, gau, wts, alpha, n);
    }
}
