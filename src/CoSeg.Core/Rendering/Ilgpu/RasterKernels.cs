using ILGPU;
using ILGPU.Algorithms;

namespace CoSeg.Rendering.Ilgpu;

/// <summary>
/// The ILGPU kernels of the tile rasterizer (docs/rasterizer.md): project, emit keys, tile ranges, rasterize
/// forward/backward (one 16×16 group per tile), project backward and unproject. All buffers are flat, channel-last
/// float32; any channel count works because channels are looped over, not compiled in.
/// </summary>
internal static class RasterKernels
{
    /// <summary>The sorted splats of one frame (bound together to stay within ILGPU's parameter limit).</summary>
    public struct SplatViews
    {
        public ArrayView<int> Ranges, Ids;
        public ArrayView<float> Mean2d, Conic, Opacity, Depth, Colors, Background;
    }

    /// <summary>Per-pixel forward results, incoming image gradients, scratch and the per-Gaussian gradient accumulators.</summary>
    public struct BackwardViews
    {
        public ArrayView<float> FinalT;
        public ArrayView<int> Last;
        public ArrayView<float> GradColor, GradAlpha, GradDepth, Accum, GMean2d, GConic, GOpacity, GColors, GDepth, ScratchT, ScratchDepth;
    }

    public const int TileSize = 16;
    public const int GroupSize = TileSize * TileSize;

    // ---- small math helpers (inlined by ILGPU) ----

    /// <summary>Rotation matrix of the normalised quaternion (w, x, y, z), row-major.</summary>
    private struct M3
    {
        public float A00, A01, A02, A10, A11, A12, A20, A21, A22;

        public static M3 FromQuat(float w, float x, float y, float z) => new()
        {
            A00 = 1 - 2 * (y * y + z * z), A01 = 2 * (x * y - w * z), A02 = 2 * (x * z + w * y),
            A10 = 2 * (x * y + w * z), A11 = 1 - 2 * (x * x + z * z), A12 = 2 * (y * z - w * x),
            A20 = 2 * (x * z - w * y), A21 = 2 * (y * z + w * x), A22 = 1 - 2 * (x * x + y * y),
        };

        public static M3 View(in KernelParams p) => new()
        {
            A00 = p.R00, A01 = p.R01, A02 = p.R02, A10 = p.R10, A11 = p.R11, A12 = p.R12, A20 = p.R20, A21 = p.R21, A22 = p.R22,
        };

        public static M3 Mul(in M3 a, in M3 b) => new()
        {
            A00 = a.A00 * b.A00 + a.A01 * b.A10 + a.A02 * b.A20,
            A01 = a.A00 * b.A01 + a.A01 * b.A11 + a.A02 * b.A21,
            A02 = a.A00 * b.A02 + a.A01 * b.A12 + a.A02 * b.A22,
            A10 = a.A10 * b.A00 + a.A11 * b.A10 + a.A12 * b.A20,
            A11 = a.A10 * b.A01 + a.A11 * b.A11 + a.A12 * b.A21,
            A12 = a.A10 * b.A02 + a.A11 * b.A12 + a.A12 * b.A22,
            A20 = a.A20 * b.A00 + a.A21 * b.A10 + a.A22 * b.A20,
            A21 = a.A20 * b.A01 + a.A21 * b.A11 + a.A22 * b.A21,
            A22 = a.A20 * b.A02 + a.A21 * b.A12 + a.A22 * b.A22,
        };

        public M3 T() => new() { A00 = A00, A01 = A10, A02 = A20, A10 = A01, A11 = A11, A12 = A21, A20 = A02, A21 = A12, A22 = A22 };

        public M3 ScaleColumns(float s0, float s1, float s2) => new()
        {
            A00 = A00 * s0, A01 = A01 * s1, A02 = A02 * s2,
            A10 = A10 * s0, A11 = A11 * s1, A12 = A12 * s2,
            A20 = A20 * s0, A21 = A21 * s1, A22 = A22 * s2,
        };

        public M3 Scaled(float f) => ScaleColumns(f, f, f);
    }

    /// <summary>Forward quantities of one Gaussian shared by project and project-backward.</summary>
    private struct Projected
    {
        public float Px, Py, Pz, Qw, Qx, Qy, Qz, QNorm, S0, S1, S2, Ux, Uy, J00, J02, J11, J12;
        public bool ClampedX, ClampedY;
        public M3 Rq, M, SigmaCam;
        public float A, B, C; // 2D covariance (low-pass included)
    }

    private static Projected ProjectOne(in KernelParams p, float mx, float my, float mz, float s0, float s1, float s2,
                                        float qw, float qx, float qy, float qz)
    {
        var r = new Projected();
        r.Px = p.R00 * mx + p.R01 * my + p.R02 * mz + p.T0;
        r.Py = p.R10 * mx + p.R11 * my + p.R12 * mz + p.T1;
        r.Pz = p.R20 * mx + p.R21 * my + p.R22 * mz + p.T2;
        r.QNorm = XMath.Sqrt(qw * qw + qx * qx + qy * qy + qz * qz);
        float inv = 1f / r.QNorm;
        r.Qw = qw * inv; r.Qx = qx * inv; r.Qy = qy * inv; r.Qz = qz * inv;
        r.S0 = s0; r.S1 = s1; r.S2 = s2;
        r.Rq = M3.FromQuat(r.Qw, r.Qx, r.Qy, r.Qz);
        r.M = r.Rq.ScaleColumns(s0, s1, s2);
        var sigma = M3.Mul(r.M, r.M.T());
        var view = M3.View(p);
        r.SigmaCam = M3.Mul(M3.Mul(view, sigma), view.T());
        float z = r.Pz;
        float ux = r.Px / z, uy = r.Py / z;
        r.ClampedX = ux < -p.LimXn || ux > p.LimXp;
        r.ClampedY = uy < -p.LimYn || uy > p.LimYp;
        r.Ux = XMath.Clamp(ux, -p.LimXn, p.LimXp);
        r.Uy = XMath.Clamp(uy, -p.LimYn, p.LimYp);
        float tx = z * r.Ux, ty = z * r.Uy;
        r.J00 = p.Fx / z; r.J02 = -p.Fx * tx / (z * z);
        r.J11 = p.Fy / z; r.J12 = -p.Fy * ty / (z * z);
        var s = r.SigmaCam;
        float t00 = r.J00 * s.A00 + r.J02 * s.A20, t01 = r.J00 * s.A01 + r.J02 * s.A21, t02 = r.J00 * s.A02 + r.J02 * s.A22;
        float t11 = r.J11 * s.A11 + r.J12 * s.A21, t12 = r.J11 * s.A12 + r.J12 * s.A22;
        r.A = t00 * r.J00 + t02 * r.J02 + p.LowPass;
        r.B = t01 * r.J11 + t02 * r.J12;
        r.C = t11 * r.J11 + t12 * r.J12 + p.LowPass;
        return r;
    }

    // ---- project ----

    /// <summary>
    /// Per Gaussian: 2D mean, conic, depth, radius, tile rectangle [x0,y0,x1,y1) and tile count (0 when culled).
    /// </summary>
    public static void Project(Index1D index, GridStride range, KernelParams p, ArrayView<float> means, ArrayView<float> scales, ArrayView<float> quats,
                               ArrayView<float> mean2d, ArrayView<float> conic, ArrayView<float> depth,
                               ArrayView<int> radii, ArrayView<int> rect, ArrayView<int> tiles)
    {
        for (int i = index; i < range.Count; i += range.Stride) ProjectAt(i, p, means, scales, quats, mean2d, conic, depth, radii, rect, tiles);
    }

    private static void ProjectAt(int i, KernelParams p, ArrayView<float> means, ArrayView<float> scales, ArrayView<float> quats,
                               ArrayView<float> mean2d, ArrayView<float> conic, ArrayView<float> depth,
                               ArrayView<int> radii, ArrayView<int> rect, ArrayView<int> tiles)
    {
        radii[i] = 0; tiles[i] = 0;
        rect[4 * i] = 0; rect[4 * i + 1] = 0; rect[4 * i + 2] = 0; rect[4 * i + 3] = 0;
        mean2d[2 * i] = 0; mean2d[2 * i + 1] = 0;
        conic[3 * i] = 0; conic[3 * i + 1] = 0; conic[3 * i + 2] = 0;
        float mz = means[3 * i + 2];
        float pz = p.R20 * means[3 * i] + p.R21 * means[3 * i + 1] + p.R22 * mz + p.T2;
        depth[i] = pz;
        if (!(pz > p.Near && pz < p.Far)) return;
        var r = ProjectOne(p, means[3 * i], means[3 * i + 1], mz, scales[3 * i], scales[3 * i + 1], scales[3 * i + 2],
                           quats[4 * i], quats[4 * i + 1], quats[4 * i + 2], quats[4 * i + 3]);
        float det = r.A * r.C - r.B * r.B;
        if (!(det > 0)) return;
        float mx = p.Fx * r.Px / r.Pz + p.Cx, my = p.Fy * r.Py / r.Pz + p.Cy;
        float mid = 0.5f * (r.A + r.C);
        float lambda = mid + XMath.Sqrt(XMath.Max(0.1f, mid * mid - det));
        float radius = XMath.Ceiling(3f * XMath.Sqrt(lambda));
        int x0 = (int)XMath.Clamp(XMath.Floor((mx - radius) / TileSize), 0f, p.TilesX);
        int x1 = (int)XMath.Clamp(XMath.Floor((mx + radius + TileSize - 1) / TileSize), 0f, p.TilesX);
        int y0 = (int)XMath.Clamp(XMath.Floor((my - radius) / TileSize), 0f, p.TilesY);
        int y1 = (int)XMath.Clamp(XMath.Floor((my + radius + TileSize - 1) / TileSize), 0f, p.TilesY);
        if (x1 <= x0 || y1 <= y0) return;
        mean2d[2 * i] = mx; mean2d[2 * i + 1] = my;
        conic[3 * i] = r.C / det; conic[3 * i + 1] = -r.B / det; conic[3 * i + 2] = r.A / det;
        radii[i] = (int)radius;
        rect[4 * i] = x0; rect[4 * i + 1] = y0; rect[4 * i + 2] = x1; rect[4 * i + 3] = y1;
        tiles[i] = (x1 - x0) * (y1 - y0);
    }

    // ---- bin ----

    /// <summary>Writes one (tile ≪ 32 | depth bits, id) pair per touched tile at the Gaussian's scanned offset.</summary>
    public static void EmitKeys(Index1D index, GridStride range, KernelParams p, ArrayView<int> rect, ArrayView<int> tiles, ArrayView<int> offsets,
                                ArrayView<float> depth, ArrayView<ulong> keys, ArrayView<int> values)
    {
        for (int i = index; i < range.Count; i += range.Stride) EmitKeysAt(i, p, rect, tiles, offsets, depth, keys, values);
    }

    private static void EmitKeysAt(int i, KernelParams p, ArrayView<int> rect, ArrayView<int> tiles, ArrayView<int> offsets,
                                ArrayView<float> depth, ArrayView<ulong> keys, ArrayView<int> values)
    {
        if (tiles[i] == 0) return;
        int o = offsets[i];
        ulong depthBits = Interop.FloatAsInt(depth[i]);
        for (int ty = rect[4 * i + 1]; ty < rect[4 * i + 3]; ty++)
        {
            for (int tx = rect[4 * i]; tx < rect[4 * i + 2]; tx++)
            {
                ulong tile = (ulong)(ty * p.TilesX + tx);
                keys[o] = (tile << 32) | depthBits;
                values[o] = i;
                o++;
            }
        }
    }

    /// <summary>Per sorted pair: marks tile list boundaries; ranges holds [start, end) per tile (pre-zeroed).</summary>
    public static void TileRanges(Index1D index, GridStride range, int count, ArrayView<ulong> keys, ArrayView<int> ranges)
    {
        for (int i = index; i < range.Count; i += range.Stride) TileRangesAt(i, count, keys, ranges);
    }

    private static void TileRangesAt(int i, int count, ArrayView<ulong> keys, ArrayView<int> ranges)
    {
        int tile = (int)(keys[i] >> 32);
        if (i == 0) ranges[2 * tile] = 0;
        else
        {
            int prev = (int)(keys[i - 1] >> 32);
            if (prev != tile) { ranges[2 * prev + 1] = i; ranges[2 * tile] = i; }
        }
        if (i == count - 1) ranges[2 * tile + 1] = count;
    }

    // ---- rasterize forward ----

    /// <summary>
    /// One group per 16×16 tile with <see cref="KernelParams.ThreadsPerTile"/> threads (256 on GPUs: one pixel each;
    /// fewer on the CPU accelerator, where every emulated thread is an OS thread): Gaussians of the tile are fetched in
    /// shared-memory batches and blended front to back. Per-pixel state (T, depth, last index, done) lives in the output
    /// buffers so a thread can own several pixels. Writes colour (+ T·background), final T, depth and list length used.
    /// </summary>
    public static void RasterizeForward(KernelParams p, ArrayView<int> ranges, ArrayView<int> ids,
                                        ArrayView<float> mean2d, ArrayView<float> conic, ArrayView<float> opacities,
                                        ArrayView<float> depth, ArrayView<float> colors, ArrayView<float> background,
                                        ArrayView<float> outColor, ArrayView<float> outT, ArrayView<float> outDepth,
                                        ArrayView<int> outLast, ArrayView<int> done)
    {
        int tile = Grid.IdxX;
        int lane = Group.IdxX;
        int threads = p.ThreadsPerTile;
        int perThread = GroupSize / threads;
        int tileX0 = (tile % p.TilesX) * TileSize, tileY0 = (tile / p.TilesX) * TileSize;
        int start = ranges[2 * tile], end = ranges[2 * tile + 1];
        int total = end - start;
        int nc = p.Channels;

        var sId = SharedMemory.Allocate<int>(GroupSize);
        var sX = SharedMemory.Allocate<float>(GroupSize);
        var sY = SharedMemory.Allocate<float>(GroupSize);
        var sA = SharedMemory.Allocate<float>(GroupSize);
        var sB = SharedMemory.Allocate<float>(GroupSize);
        var sC = SharedMemory.Allocate<float>(GroupSize);
        var sO = SharedMemory.Allocate<float>(GroupSize);

        bool allDone = true;
        for (int k = 0; k < perThread; k++)
        {
            int local = lane + k * threads;
            int col = tileX0 + local % TileSize, row = tileY0 + local / TileSize;
            if (col >= p.Width || row >= p.Height) continue;
            int pix = row * p.Width + col;
            for (int c = 0; c < nc; c++) outColor[pix * nc + c] = 0f;
            outT[pix] = 1f; outDepth[pix] = 0f; outLast[pix] = 0; done[pix] = 0;
            allDone = false;
        }
        int rounds = (total + threads - 1) / threads;
        for (int r = 0; r < rounds; r++)
        {
            // Whole-tile early exit once every pixel is saturated (uniform across the group).
            if (Group.BarrierPopCount(allDone) == threads) break;
            int kk = start + r * threads + lane;
            if (kk < end)
            {
                int g = ids[kk];
                sId[lane] = g;
                sX[lane] = mean2d[2 * g]; sY[lane] = mean2d[2 * g + 1];
                sA[lane] = conic[3 * g]; sB[lane] = conic[3 * g + 1]; sC[lane] = conic[3 * g + 2];
                sO[lane] = opacities[g];
            }
            Group.Barrier();
            int batch = XMath.Min(threads, total - r * threads);
            allDone = true;
            for (int k = 0; k < perThread; k++)
            {
                int local = lane + k * threads;
                int col = tileX0 + local % TileSize, row = tileY0 + local / TileSize;
                if (col >= p.Width || row >= p.Height) continue;
                int pix = row * p.Width + col;
                if (done[pix] != 0) continue;
                float pxc = col + 0.5f, pyc = row + 0.5f;
                float T = outT[pix], accDepth = outDepth[pix];
                int last = outLast[pix];
                bool finished = false;
                for (int j = 0; j < batch && !finished; j++)
                {
                    float dx = sX[j] - pxc, dy = sY[j] - pyc;
                    float power = -0.5f * (sA[j] * dx * dx + sC[j] * dy * dy) - sB[j] * dx * dy;
                    if (power > 0f) continue;
                    float alpha = XMath.Min(0.99f, sO[j] * XMath.Exp(power));
                    if (alpha < 1f / 255f) continue;
                    float tNext = T * (1f - alpha);
                    if (tNext < 1e-4f) { finished = true; continue; }
                    float w = alpha * T;
                    int g = sId[j];
                    for (int c = 0; c < nc; c++) outColor[pix * nc + c] += w * colors[g * nc + c];
                    accDepth += w * depth[g];
                    T = tNext;
                    last = r * threads + j + 1;
                }
                outT[pix] = T; outDepth[pix] = accDepth; outLast[pix] = last;
                if (finished) done[pix] = 1; else allDone = false;
            }
            Group.Barrier();
        }
        for (int k = 0; k < perThread; k++)
        {
            int local = lane + k * threads;
            int col = tileX0 + local % TileSize, row = tileY0 + local / TileSize;
            if (col >= p.Width || row >= p.Height) continue;
            int pix = row * p.Width + col;
            float T = outT[pix];
            for (int c = 0; c < nc; c++) outColor[pix * nc + c] += T * background[c];
        }
    }

    // ---- rasterize backward ----

    /// <summary>
    /// One group per tile; replays each pixel back to front from its last blended Gaussian, recovering T by division,
    /// and accumulates (atomically) dL/d mean2d, conic, opacity, channels and depth. BackwardViews.Accum is per-pixel
    /// scratch (H·W·C) for the colour of everything behind the current Gaussian; ScratchT/ScratchDepth hold T and that
    /// depth between batches.
    /// </summary>
    public static void RasterizeBackward(KernelParams p, SplatViews sv, BackwardViews bv)
    {
        var ranges = sv.Ranges; var ids = sv.Ids; var mean2d = sv.Mean2d; var conic = sv.Conic; var opacities = sv.Opacity;
        var depth = sv.Depth; var colors = sv.Colors; var background = sv.Background;
        var finalT = bv.FinalT; var lastIndex = bv.Last; var gradColor = bv.GradColor; var gradAlpha = bv.GradAlpha;
        var gradDepth = bv.GradDepth; var accum = bv.Accum; var gMean2d = bv.GMean2d; var gConic = bv.GConic;
        var gOpacity = bv.GOpacity; var gColors = bv.GColors; var gDepth = bv.GDepth;
        var scratchT = bv.ScratchT; var scratchD = bv.ScratchDepth;

        int tile = Grid.IdxX;
        int lane = Group.IdxX;
        int threads = p.ThreadsPerTile;
        int perThread = GroupSize / threads;
        int tileX0 = (tile % p.TilesX) * TileSize, tileY0 = (tile / p.TilesX) * TileSize;
        int start = ranges[2 * tile], end = ranges[2 * tile + 1];
        int total = end - start;
        int nc = p.Channels;

        var sId = SharedMemory.Allocate<int>(GroupSize);
        var sX = SharedMemory.Allocate<float>(GroupSize);
        var sY = SharedMemory.Allocate<float>(GroupSize);
        var sA = SharedMemory.Allocate<float>(GroupSize);
        var sB = SharedMemory.Allocate<float>(GroupSize);
        var sC = SharedMemory.Allocate<float>(GroupSize);
        var sO = SharedMemory.Allocate<float>(GroupSize);

        for (int k = 0; k < perThread; k++)
        {
            int local = lane + k * threads;
            int col = tileX0 + local % TileSize, row = tileY0 + local / TileSize;
            if (col >= p.Width || row >= p.Height) continue;
            int pix = row * p.Width + col;
            float tFin = finalT[pix];
            scratchT[pix] = tFin; scratchD[pix] = 0f;
            for (int c = 0; c < nc; c++) accum[pix * nc + c] = tFin * background[c];
        }

        int rounds = (total + threads - 1) / threads;
        for (int r = 0; r < rounds; r++)
        {
            // Batch r holds list positions total-1-(r·threads + j) (back to front).
            int pos = total - 1 - (r * threads + lane);
            Group.Barrier();
            if (pos >= 0)
            {
                int g = ids[start + pos];
                sId[lane] = g;
                sX[lane] = mean2d[2 * g]; sY[lane] = mean2d[2 * g + 1];
                sA[lane] = conic[3 * g]; sB[lane] = conic[3 * g + 1]; sC[lane] = conic[3 * g + 2];
                sO[lane] = opacities[g];
            }
            Group.Barrier();
            int batch = XMath.Min(threads, total - r * threads);
            for (int k = 0; k < perThread; k++)
            {
                int local = lane + k * threads;
                int col = tileX0 + local % TileSize, row = tileY0 + local / TileSize;
                if (col >= p.Width || row >= p.Height) continue;
                int pix = row * p.Width + col;
                int last = lastIndex[pix];
                if (total - 1 - r * threads - (batch - 1) >= last) continue; // nothing of this batch was blended here
                float pxc = col + 0.5f, pyc = row + 0.5f;
                float tFin = finalT[pix];
                float T = scratchT[pix], accD = scratchD[pix];
                float gA = gradAlpha[pix], gD = gradDepth[pix];
                for (int j = 0; j < batch; j++)
                {
                    int position = total - 1 - (r * threads + j);
                    if (position >= last) continue;
                    float dx = sX[j] - pxc, dy = sY[j] - pyc;
                    float power = -0.5f * (sA[j] * dx * dx + sC[j] * dy * dy) - sB[j] * dx * dy;
                    if (power > 0f) continue;
                    float gauss = XMath.Exp(power);
                    float raw = sO[j] * gauss;
                    float alpha = XMath.Min(0.99f, raw);
                    if (alpha < 1f / 255f) continue;
                    int g = sId[j];
                    float oneMinus = 1f - alpha;
                    float tBefore = T / oneMinus;
                    float w = alpha * tBefore;
                    float gAlpha = 0f;
                    for (int c = 0; c < nc; c++)
                    {
                        float gc = gradColor[pix * nc + c];
                        float cg = colors[g * nc + c];
                        float acc = accum[pix * nc + c];
                        gAlpha += gc * (cg * tBefore - acc / oneMinus);
                        accum[pix * nc + c] = acc + cg * w;
                        Atomic.Add(ref gColors[g * nc + c], w * gc);
                    }
                    float z = depth[g];
                    gAlpha += gD * (z * tBefore - accD / oneMinus);
                    accD += z * w;
                    Atomic.Add(ref gDepth[g], w * gD);
                    gAlpha += gA * tFin / oneMinus;
                    T = tBefore;
                    if (raw > 0.99f) continue; // the clamp has zero gradient
                    Atomic.Add(ref gOpacity[g], gauss * gAlpha);
                    float gPower = alpha * gAlpha;
                    Atomic.Add(ref gMean2d[2 * g], gPower * (-sA[j] * dx - sB[j] * dy));
                    Atomic.Add(ref gMean2d[2 * g + 1], gPower * (-sC[j] * dy - sB[j] * dx));
                    Atomic.Add(ref gConic[3 * g], gPower * (-0.5f * dx * dx));
                    Atomic.Add(ref gConic[3 * g + 1], gPower * (-dx * dy));
                    Atomic.Add(ref gConic[3 * g + 2], gPower * (-0.5f * dy * dy));
                }
                scratchT[pix] = T; scratchD[pix] = accD;
            }
        }
    }

    // ---- project backward ----

    /// <summary>Chains dL/d(mean2d, conic, depth) back to means, scales and the unnormalised quaternions.</summary>
    public static void ProjectBackward(Index1D index, GridStride range, KernelParams p, ArrayView<float> means, ArrayView<float> scales, ArrayView<float> quats,
                                       ArrayView<int> radii, ArrayView<float> gMean2d, ArrayView<float> gConic, ArrayView<float> gDepth,
                                       ArrayView<float> outMeans, ArrayView<float> outScales, ArrayView<float> outQuats)
    {
        for (int i = index; i < range.Count; i += range.Stride) ProjectBackwardAt(i, p, means, scales, quats, radii, gMean2d, gConic, gDepth, outMeans, outScales, outQuats);
    }

    private static void ProjectBackwardAt(int i, KernelParams p, ArrayView<float> means, ArrayView<float> scales, ArrayView<float> quats,
                                       ArrayView<int> radii, ArrayView<float> gMean2d, ArrayView<float> gConic, ArrayView<float> gDepth,
                                       ArrayView<float> outMeans, ArrayView<float> outScales, ArrayView<float> outQuats)
    {
        for (int k = 0; k < 3; k++) { outMeans[3 * i + k] = 0; outScales[3 * i + k] = 0; }
        for (int k = 0; k < 4; k++) outQuats[4 * i + k] = 0;
        if (radii[i] == 0) return;
        var r = ProjectOne(p, means[3 * i], means[3 * i + 1], means[3 * i + 2], scales[3 * i], scales[3 * i + 1], scales[3 * i + 2],
                           quats[4 * i], quats[4 * i + 1], quats[4 * i + 2], quats[4 * i + 3]);
        float z = r.Pz;
        float det = r.A * r.C - r.B * r.B;
        float qa = r.C / det, qb = -r.B / det, qc = r.A / det;   // conic Q = [[qa,qb],[qb,qc]]
        // dL/dΣ2d = −Q Ĝ Q with Ĝ the symmetric gradient (off-diagonal halved because b appears twice).
        float ga = gConic[3 * i], gb = 0.5f * gConic[3 * i + 1], gc = gConic[3 * i + 2];
        float h00 = ga * qa + gb * qb, h01 = ga * qb + gb * qc, h10 = gb * qa + gc * qb, h11 = gb * qb + gc * qc; // Ĝ Q
        float s00 = -(qa * h00 + qb * h10), s01 = -(qa * h01 + qb * h11), s11 = -(qb * h01 + qc * h11);
        // Σ2d = J Σc Jᵀ: GΣc = Jᵀ GΣ2 J, GJ = 2 GΣ2 J Σc.
        float j00 = r.J00, j02 = r.J02, j11 = r.J11, j12 = r.J12;
        // GΣ2·J (2×3)
        float u00 = s00 * j00, u01 = s01 * j11, u02 = s00 * j02 + s01 * j12;
        float u10 = s01 * j00, u11 = s11 * j11, u12 = s01 * j02 + s11 * j12;
        var gSc = new M3
        {
            A00 = j00 * u00, A01 = j00 * u01, A02 = j00 * u02,
            A10 = j11 * u10, A11 = j11 * u11, A12 = j11 * u12,
            A20 = j02 * u00 + j12 * u10, A21 = j02 * u01 + j12 * u11, A22 = j02 * u02 + j12 * u12,
        };
        var sc = r.SigmaCam;
        float gJ00 = 2 * (u00 * sc.A00 + u01 * sc.A10 + u02 * sc.A20);
        float gJ02 = 2 * (u00 * sc.A02 + u01 * sc.A12 + u02 * sc.A22);
        float gJ11 = 2 * (u10 * sc.A01 + u11 * sc.A11 + u12 * sc.A21);
        float gJ12 = 2 * (u10 * sc.A02 + u11 * sc.A12 + u12 * sc.A22);
        // Camera-space point gradient.
        float gpx = 0, gpy = 0, gpz = gDepth[i];
        float gmx = gMean2d[2 * i], gmy = gMean2d[2 * i + 1];
        gpx += gmx * p.Fx / z; gpy += gmy * p.Fy / z;
        gpz += -gmx * p.Fx * r.Px / (z * z) - gmy * p.Fy * r.Py / (z * z);
        gpz += -gJ00 * p.Fx / (z * z) - gJ11 * p.Fy / (z * z);
        // J02 = −fx·u/z with u = clamp(px/z): explicit z dependence plus u's (zero when clamped).
        gpz += gJ02 * p.Fx * r.Ux / (z * z) + gJ12 * p.Fy * r.Uy / (z * z);
        if (!r.ClampedX) { float gu = -gJ02 * p.Fx / z; gpx += gu / z; gpz += -gu * r.Px / (z * z); }
        if (!r.ClampedY) { float gu = -gJ12 * p.Fy / z; gpy += gu / z; gpz += -gu * r.Py / (z * z); }
        outMeans[3 * i] = p.R00 * gpx + p.R10 * gpy + p.R20 * gpz;
        outMeans[3 * i + 1] = p.R01 * gpx + p.R11 * gpy + p.R21 * gpz;
        outMeans[3 * i + 2] = p.R02 * gpx + p.R12 * gpy + p.R22 * gpz;
        // Σc = V Σ Vᵀ → GΣ = Vᵀ GΣc V; Σ = M Mᵀ → GM = 2 GΣ M (GΣ symmetric).
        var view = M3.View(p);
        var gSigma = M3.Mul(M3.Mul(view.T(), gSc), view);
        var gM = M3.Mul(gSigma, r.M).Scaled(2f);
        var rq = r.Rq;
        outScales[3 * i] = gM.A00 * rq.A00 + gM.A10 * rq.A10 + gM.A20 * rq.A20;
        outScales[3 * i + 1] = gM.A01 * rq.A01 + gM.A11 * rq.A11 + gM.A21 * rq.A21;
        outScales[3 * i + 2] = gM.A02 * rq.A02 + gM.A12 * rq.A12 + gM.A22 * rq.A22;
        var g = gM.ScaleColumns(r.S0, r.S1, r.S2); // dL/dRq
        float w = r.Qw, x = r.Qx, y = r.Qy, zq = r.Qz;
        float gw = 2 * (-zq * g.A01 + y * g.A02 + zq * g.A10 - x * g.A12 - y * g.A20 + x * g.A21);
        float gx = 2 * (y * g.A01 + zq * g.A02 + y * g.A10 - 2 * x * g.A11 - w * g.A12 + zq * g.A20 + w * g.A21 - 2 * x * g.A22);
        float gy = 2 * (-2 * y * g.A00 + x * g.A01 + w * g.A02 + x * g.A10 + zq * g.A12 - w * g.A20 + zq * g.A21 - 2 * y * g.A22);
        float gz = 2 * (-2 * zq * g.A00 - w * g.A01 + x * g.A02 + w * g.A10 - 2 * zq * g.A11 + y * g.A12 + x * g.A20 + y * g.A21);
        // Through q̂ = q/|q|.
        float dot = w * gw + x * gx + y * gy + zq * gz;
        float inv = 1f / r.QNorm;
        outQuats[4 * i] = (gw - w * dot) * inv;
        outQuats[4 * i + 1] = (gx - x * dot) * inv;
        outQuats[4 * i + 2] = (gy - y * dot) * inv;
        outQuats[4 * i + 3] = (gz - zq * dot) * inv;
    }

    // ---- unproject ----

    /// <summary>
    /// Per pixel: replays the forward blend and adds w·F_p to featureSums[g] and w to weightSums[g] for every Gaussian
    /// blended there, w = α·T.
    /// </summary>
    public static void Unproject(Index1D index, GridStride range, KernelParams p, ArrayView<int> ranges, ArrayView<int> ids,
                                 ArrayView<float> mean2d, ArrayView<float> conic, ArrayView<float> opacities,
                                 ArrayView<int> lastIndex, ArrayView<float> features, int featureChannels,
                                 ArrayView<float> featureSums, ArrayView<float> weightSums)
    {
        for (int pix = index; pix < range.Count; pix += range.Stride) UnprojectAt(pix, p, ranges, ids, mean2d, conic, opacities, lastIndex, features, featureChannels, featureSums, weightSums);
    }

    private static void UnprojectAt(int pix, KernelParams p, ArrayView<int> ranges, ArrayView<int> ids,
                                 ArrayView<float> mean2d, ArrayView<float> conic, ArrayView<float> opacities,
                                 ArrayView<int> lastIndex, ArrayView<float> features, int featureChannels,
                                 ArrayView<float> featureSums, ArrayView<float> weightSums)
    {
        int col = pix % p.Width, row = pix / p.Width;
        int tile = (row / TileSize) * p.TilesX + col / TileSize;
        int start = ranges[2 * tile];
        int last = lastIndex[pix];
        float pxc = col + 0.5f, pyc = row + 0.5f;
        float T = 1f;
        for (int k = 0; k < last; k++)
        {
            int g = ids[start + k];
            float alpha = ReplayAlpha(g, pxc, pyc, mean2d, conic, opacities);
            if (alpha == 0f) continue;
            float w = alpha * T;
            for (int c = 0; c < featureChannels; c++)
                Atomic.Add(ref featureSums[g * featureChannels + c], w * features[pix * featureChannels + c]);
            Atomic.Add(ref weightSums[g], w);
            T *= 1f - alpha;
        }
    }

    /// <summary>
    /// α of Gaussian <paramref name="g"/> at the pixel centre (<paramref name="pxc"/>, <paramref name="pyc"/>) as the forward
    /// pass blends it, or 0 where the forward pass skips it (positive exponent, α &lt; 1/255): the per-pixel replays
    /// (unprojection, picking) use it.
    /// </summary>
    internal static float ReplayAlpha(int g, float pxc, float pyc, ArrayView<float> mean2d, ArrayView<float> conic, ArrayView<float> opacities)
    {
        float dx = mean2d[2 * g] - pxc, dy = mean2d[2 * g + 1] - pyc;
        float power = -0.5f * (conic[3 * g] * dx * dx + conic[3 * g + 2] * dy * dy) - conic[3 * g + 1] * dx * dy;
        if (power > 0f) return 0f;
        float alpha = XMath.Min(0.99f, opacities[g] * XMath.Exp(power));
        return alpha < 1f / 255f ? 0f : alpha;
    }
}
