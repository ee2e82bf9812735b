using ILGPU;

namespace CoSeg.Rendering.Ilgpu;

/// <summary>
/// Picking: per pixel, the Gaussian with the largest blending weight α·T. One thread per pixel replays the pixel's
/// tile list up to the last blended position the forward pass recorded (so the stop rule is the forward's), in the
/// forward's front-to-back order; a strict comparison lets the front-most Gaussian win ties.
/// </summary>
internal static class PickKernels
{
    public static void TopContributor(Index1D index, GridStride range, KernelParams p, ArrayView<int> ranges, ArrayView<int> ids,
                                      ArrayView<float> mean2d, ArrayView<float> conic, ArrayView<float> opacities,
                                      ArrayView<int> lastIndex, ArrayView<int> outIndex, ArrayView<float> outWeight)
    {
        for (int pix = index; pix < range.Count; pix += range.Stride)
        {
            int col = pix % p.Width, row = pix / p.Width;
            int tile = (row / RasterKernels.TileSize) * p.TilesX + col / RasterKernels.TileSize;
            int start = ranges[2 * tile], last = lastIndex[pix];
            float pxc = col + 0.5f, pyc = row + 0.5f, transmittance = 1f, best = 0f;
            int bestId = -1;
            for (int k = 0; k < last; k++)
            {
                int g = ids[start + k];
                float alpha = RasterKernels.ReplayAlpha(g, pxc, pyc, mean2d, conic, opacities);
                if (alpha == 0f) continue;
                float w = alpha * transmittance;
                if (w > best) { best = w; bestId = g; }
                transmittance *= 1f - alpha;
            }
            outIndex[pix] = bestId;
            outWeight[pix] = best;
        }
    }
}
