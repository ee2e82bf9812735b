using ILGPU;
using ILGPU.Algorithms;

namespace CoSeg.Rendering.Ilgpu;

/// <summary>
/// Blending kernels with one thread per 16×16 tile and no barriers: the mapping for the CPU accelerator, where every
/// emulated thread is an OS thread and each group barrier costs a context switch (the shared-memory group kernels in
/// <see cref="RasterKernels"/> spent ~95 % of their CPU time in barriers). A thread walks its tile's depth-sorted list
/// once, visiting for each Gaussian only the pixels of its alpha ≥ 1/255 bounding box. The backward writes each
/// (tile, Gaussian) pair's gradient sums to that pair's own slot and <see cref="ReduceGaussians"/> adds a Gaussian's
/// slots in a fixed order, so — unlike float atomics — results do not depend on thread timing. The maths and conventions
/// are those of the group kernels, so both produce the same images and gradients.
/// </summary>
internal static class TileSerialKernels
{
    private const int Tile = RasterKernels.TileSize;
    private const float MinAlpha = 1f / 255f, MaxAlpha = 0.99f, MinTransmittance = 1e-4f;

    /// <summary>Per-pixel outputs of the forward pass (also its running state) and a per-pixel saturation flag.</summary>
    public struct ForwardViews
    {
        public ArrayView<float> OutColor, OutT, OutDepth;
        public ArrayView<int> OutLast, Done;
    }

    /// <summary>
    /// Pixel rectangle [x0, x1) × [y0, y1) of the tile that can see alpha ≥ 1/255 from the Gaussian. alpha ≥ 1/255 needs
    /// the conic form q(d) ≤ 2 ln(255 o), an ellipse whose half extents are √(2 ln(255 o) Σxx) and √(… Σyy); the 1 %
    /// and half-pixel margins keep float rounding on the safe side (the exact test is still made per pixel).
    /// </summary>
    private static bool Footprint(float mx, float my, float ca, float cb, float cc, float o, int tx0, int ty0, int tx1, int ty1,
                                  out int x0, out int y0, out int x1, out int y1)
    {
        x0 = y0 = x1 = y1 = 0;
        float thr = 2f * XMath.Log(255f * o);
        float det = ca * cc - cb * cb;
        if (!(thr >= 0f) || !(det > 0f)) return false;
        float ex = XMath.Sqrt(thr * cc / det) * 1.01f + 0.5f, ey = XMath.Sqrt(thr * ca / det) * 1.01f + 0.5f;
        // Pixel (col, row) has its centre at col + 0.5.
        x0 = XMath.Max(tx0, (int)XMath.Floor(mx - ex - 0.5f));
        x1 = XMath.Min(tx1, (int)XMath.Floor(mx + ex - 0.5f) + 2);
        y0 = XMath.Max(ty0, (int)XMath.Floor(my - ey - 0.5f));
        y1 = XMath.Min(ty1, (int)XMath.Floor(my + ey - 0.5f) + 2);
        return x0 < x1 && y0 < y1;
    }

    /// <summary>Pixel rectangle [tx0, tx1) × [ty0, ty1) of a tile, clipped to the image.</summary>
    private static void TilePixels(int tile, in KernelParams p, out int tx0, out int ty0, out int tx1, out int ty1)
    {
        tx0 = (tile % p.TilesX) * Tile; ty0 = (tile / p.TilesX) * Tile;
        tx1 = XMath.Min(tx0 + Tile, p.Width); ty1 = XMath.Min(ty0 + Tile, p.Height);
    }

    /// <summary>Front-to-back blend of one tile (index = tile id); same outputs as <see cref="RasterKernels.RasterizeForward"/>.</summary>
    public static void Forward(Index1D index, GridStride range, KernelParams p, RasterKernels.SplatViews sv, ForwardViews fv)
    {
        for (int tile = index; tile < range.Count; tile += range.Stride) ForwardAt(tile, p, sv, fv);
    }

    private static void ForwardAt(int tile, KernelParams p, RasterKernels.SplatViews sv, ForwardViews fv)
    {
        int nc = p.Channels;
        TilePixels(tile, p, out int tx0, out int ty0, out int tx1, out int ty1);
        int live = 0;
        for (int row = ty0; row < ty1; row++)
        {
            for (int col = tx0; col < tx1; col++)
            {
                int pix = row * p.Width + col;
                for (int c = 0; c < nc; c++) fv.OutColor[pix * nc + c] = 0f;
                fv.OutT[pix] = 1f; fv.OutDepth[pix] = 0f; fv.OutLast[pix] = 0; fv.Done[pix] = 0;
                live++;
            }
        }
        int start = sv.Ranges[2 * tile], end = sv.Ranges[2 * tile + 1];
        for (int k = start; k < end && live > 0; k++)
        {
            int g = sv.Ids[k];
            float mx = sv.Mean2d[2 * g], my = sv.Mean2d[2 * g + 1];
            float ca = sv.Conic[3 * g], cb = sv.Conic[3 * g + 1], cc = sv.Conic[3 * g + 2];
            float o = sv.Opacity[g];
            if (!Footprint(mx, my, ca, cb, cc, o, tx0, ty0, tx1, ty1, out int x0, out int y0, out int x1, out int y1)) continue;
            float z = sv.Depth[g];
            int position = k - start + 1;
            for (int row = y0; row < y1; row++)
            {
                float dy = my - (row + 0.5f);
                for (int col = x0; col < x1; col++)
                {
                    int pix = row * p.Width + col;
                    if (fv.Done[pix] != 0) continue;
                    float dx = mx - (col + 0.5f);
                    float power = -0.5f * (ca * dx * dx + cc * dy * dy) - cb * dx * dy;
                    if (power > 0f) continue;
                    float alpha = XMath.Min(MaxAlpha, o * XMath.Exp(power));
                    if (alpha < MinAlpha) continue;
                    float T = fv.OutT[pix];
                    float tNext = T * (1f - alpha);
                    if (tNext < MinTransmittance) { fv.Done[pix] = 1; live--; continue; }
                    float w = alpha * T;
                    for (int c = 0; c < nc; c++) fv.OutColor[pix * nc + c] += w * sv.Colors[g * nc + c];
                    fv.OutDepth[pix] += w * z;
                    fv.OutT[pix] = tNext;
                    fv.OutLast[pix] = position;
                }
            }
        }
        for (int row = ty0; row < ty1; row++)
        {
            for (int col = tx0; col < tx1; col++)
            {
                int pix = row * p.Width + col;
                float T = fv.OutT[pix];
                for (int c = 0; c < nc; c++) fv.OutColor[pix * nc + c] += T * sv.Background[c];
            }
        }
    }

    /// <summary>Per-pair partial gradients: 7 scalars then the C channel gradients for each sorted (tile, Gaussian) pair.</summary>
    public const int PartialScalars = 7;

    /// <summary>
    /// Back-to-front replay of one tile; same gradients as <see cref="RasterKernels.RasterizeBackward"/>. The sums over the
    /// tile's pixels for pair k (its position in the sorted pair list) go to
    /// <paramref name="partials"/>[k·(7 + C) …]: mean2d x, y, conic a, b, c, opacity, depth, then the C channels. Slots of
    /// pairs that touch no pixel must be zero beforehand.
    /// </summary>
    public static void Backward(Index1D index, GridStride range, KernelParams p, RasterKernels.SplatViews sv, RasterKernels.BackwardViews bv,
                                ArrayView<float> partials)
    {
        for (int tile = index; tile < range.Count; tile += range.Stride) BackwardAt(tile, p, sv, bv, partials);
    }

    private static void BackwardAt(int tile, KernelParams p, RasterKernels.SplatViews sv, RasterKernels.BackwardViews bv,
                                ArrayView<float> partials)
    {
        int nc = p.Channels;
        TilePixels(tile, p, out int tx0, out int ty0, out int tx1, out int ty1);
        int maxLast = 0;
        for (int row = ty0; row < ty1; row++)
        {
            for (int col = tx0; col < tx1; col++)
            {
                int pix = row * p.Width + col;
                float tFin = bv.FinalT[pix];
                bv.ScratchT[pix] = tFin; bv.ScratchDepth[pix] = 0f;
                for (int c = 0; c < nc; c++) bv.Accum[pix * nc + c] = tFin * sv.Background[c];
                maxLast = XMath.Max(maxLast, bv.Last[pix]);
            }
        }
        int start = sv.Ranges[2 * tile];
        int stride = PartialScalars + nc;
        for (int position = maxLast - 1; position >= 0; position--)
        {
            int g = sv.Ids[start + position];
            float mx = sv.Mean2d[2 * g], my = sv.Mean2d[2 * g + 1];
            float ca = sv.Conic[3 * g], cb = sv.Conic[3 * g + 1], cc = sv.Conic[3 * g + 2];
            float o = sv.Opacity[g];
            if (!Footprint(mx, my, ca, cb, cc, o, tx0, ty0, tx1, ty1, out int x0, out int y0, out int x1, out int y1)) continue;
            float z = sv.Depth[g];
            long slot = (long)(start + position) * stride;
            float gOpacity = 0f, gDepth = 0f, gMx = 0f, gMy = 0f, gCa = 0f, gCb = 0f, gCc = 0f;
            bool touched = false;
            for (int row = y0; row < y1; row++)
            {
                float dy = my - (row + 0.5f);
                for (int col = x0; col < x1; col++)
                {
                    int pix = row * p.Width + col;
                    if (position >= bv.Last[pix]) continue;
                    float dx = mx - (col + 0.5f);
                    float power = -0.5f * (ca * dx * dx + cc * dy * dy) - cb * dx * dy;
                    if (power > 0f) continue;
                    float gauss = XMath.Exp(power);
                    float raw = o * gauss;
                    float alpha = XMath.Min(MaxAlpha, raw);
                    if (alpha < MinAlpha) continue;
                    touched = true;
                    float oneMinus = 1f - alpha;
                    float tBefore = bv.ScratchT[pix] / oneMinus;
                    float w = alpha * tBefore;
                    float gAlpha = 0f;
                    for (int c = 0; c < nc; c++)
                    {
                        float gc = bv.GradColor[pix * nc + c];
                        float cg = sv.Colors[g * nc + c];
                        float acc = bv.Accum[pix * nc + c];
                        gAlpha += gc * (cg * tBefore - acc / oneMinus);
                        bv.Accum[pix * nc + c] = acc + cg * w;
                        partials[slot + PartialScalars + c] += w * gc;
                    }
                    float gD = bv.GradDepth[pix];
                    float accD = bv.ScratchDepth[pix];
                    gAlpha += gD * (z * tBefore - accD / oneMinus);
                    bv.ScratchDepth[pix] = accD + z * w;
                    gDepth += w * gD;
                    gAlpha += bv.GradAlpha[pix] * bv.FinalT[pix] / oneMinus;
                    bv.ScratchT[pix] = tBefore;
                    if (raw > MaxAlpha) continue; // the clamp has zero gradient
                    gOpacity += gauss * gAlpha;
                    float gPower = alpha * gAlpha;
                    gMx += gPower * (-ca * dx - cb * dy);
                    gMy += gPower * (-cc * dy - cb * dx);
                    gCa += gPower * (-0.5f * dx * dx);
                    gCb += gPower * (-dx * dy);
                    gCc += gPower * (-0.5f * dy * dy);
                }
            }
            if (!touched) continue;
            partials[slot] = gMx; partials[slot + 1] = gMy;
            partials[slot + 2] = gCa; partials[slot + 3] = gCb; partials[slot + 4] = gCc;
            partials[slot + 5] = gOpacity; partials[slot + 6] = gDepth;
        }
    }

    /// <summary>
    /// Per Gaussian g: adds the partials of its pairs, listed in <paramref name="pairsByGaussian"/> from
    /// <paramref name="pairStart"/>[g] to [g + 1] in ascending pair order, into the gradient outputs (overwritten).
    /// </summary>
    public static void ReduceGaussians(Index1D index, GridStride range, int channels, ArrayView<int> pairStart, ArrayView<int> pairsByGaussian,
                                       ArrayView<float> partials, RasterKernels.BackwardViews bv)
    {
        for (int g = index; g < range.Count; g += range.Stride) ReduceGaussiansAt(g, channels, pairStart, pairsByGaussian, partials, bv);
    }

    private static void ReduceGaussiansAt(int g, int nc, ArrayView<int> pairStart, ArrayView<int> pairsByGaussian, ArrayView<float> partials,
                                          RasterKernels.BackwardViews bv)
    {
        int stride = PartialScalars + nc;
        int from = pairStart[g], to = pairStart[g + 1];
        float mx = 0f, my = 0f, ca = 0f, cb = 0f, cc = 0f, op = 0f, dz = 0f;
        for (int j = from; j < to; j++)
        {
            long slot = (long)pairsByGaussian[j] * stride;
            mx += partials[slot]; my += partials[slot + 1];
            ca += partials[slot + 2]; cb += partials[slot + 3]; cc += partials[slot + 4];
            op += partials[slot + 5]; dz += partials[slot + 6];
        }
        bv.GMean2d[2 * g] = mx; bv.GMean2d[2 * g + 1] = my;
        bv.GConic[3 * g] = ca; bv.GConic[3 * g + 1] = cb; bv.GConic[3 * g + 2] = cc;
        bv.GOpacity[g] = op; bv.GDepth[g] = dz;
        for (int c = 0; c < nc; c++)
        {
            float sum = 0f;
            for (int j = from; j < to; j++) sum += partials[(long)pairsByGaussian[j] * stride + PartialScalars + c];
            bv.GColors[g * nc + c] = sum;
        }
    }
}
