using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// Per-Gaussian statistics gathered between densification steps: the sum of view-space (NDC) position-gradient norms
/// over the views where the Gaussian was visible, the number of such views, and the largest screen radius seen.
/// </summary>
internal sealed class DensificationStats : IDisposable
{
    public DensificationStats(long count) => Reset(count);

    /// <summary>Σ over visible views of ‖∂L/∂mean2d‖ in NDC units.</summary>
    public Tensor GradAccum { get; private set; } = null!;
    /// <summary>Number of views in which each Gaussian was visible.</summary>
    public Tensor Denom { get; private set; } = null!;
    /// <summary>Largest screen radius (pixels) seen since the last reset.</summary>
    public Tensor MaxRadii { get; private set; } = null!;

    /// <summary>Zeroes the statistics for <paramref name="count"/> Gaussians.</summary>
    public void Reset(long count)
    {
        GradAccum?.Dispose(); Denom?.Dispose(); MaxRadii?.Dispose();
        GradAccum = zeros(count).DetachFromDisposeScope();
        Denom = zeros(count).DetachFromDisposeScope();
        MaxRadii = zeros(count).DetachFromDisposeScope();
    }

    /// <summary>
    /// Adds one view. <paramref name="means2dGradPixels"/> is N×2 in pixel units; it is converted to the reference's NDC
    /// units by multiplying x by W/2 and y by H/2 (pixel = ((ndc + 1)·W − 1)/2). <paramref name="radii"/> is N (0 = not visible).
    /// </summary>
    public void Add(Tensor means2dGradPixels, Tensor radii, int width, int height)
    {
        long n = GradAccum.shape[0];
        if (n == 0) return;
        if (means2dGradPixels.shape[0] != n || radii.shape[0] != n)
            throw new ArgumentException($"Statistics hold {n} Gaussians but the gradient has {means2dGradPixels.shape[0]} rows and radii {radii.shape[0]}.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var g = means2dGradPixels.detach().to_type(ScalarType.Float32).cpu().contiguous();
        var r = radii.to_type(ScalarType.Int32).cpu().contiguous();
        // One pass over the rows (no temporaries): the statistics are plain CPU float32 tensors.
        unsafe
        {
            float* gp = (float*)Rendering.Native.NativeMethods.DataPointer(g);
            int* rp = (int*)Rendering.Native.NativeMethods.DataPointer(r);
            float* acc = (float*)Rendering.Native.NativeMethods.DataPointer(GradAccum);
            float* den = (float*)Rendering.Native.NativeMethods.DataPointer(Denom);
            float* mr = (float*)Rendering.Native.NativeMethods.DataPointer(MaxRadii);
            float sx = width * 0.5f, sy = height * 0.5f;
            for (long i = 0; i < n; i++)
            {
                int ri = rp[i];
                if (ri <= 0) continue;
                float gx = gp[2 * i] * sx, gy = gp[2 * i + 1] * sy;
                acc[i] += MathF.Sqrt(gx * gx + gy * gy);
                den[i] += 1f;
                if (ri > mr[i]) mr[i] = ri;
            }
        }
    }

    /// <summary>Average gradient norm per Gaussian (0 where never visible).</summary>
    public Tensor AverageGrad()
    {
        var avg = GradAccum / Denom.clamp_min(1);
        return avg;
    }

    public void Dispose()
    {
        GradAccum?.Dispose(); Denom?.Dispose(); MaxRadii?.Dispose();
    }
}
