using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// The blending weights w_gp = α_g(p)·T_g(p) of one view for a frozen geometry, stored sparsely as
/// (pixel, Gaussian, weight) triples. With the geometry frozen, rendering any per-Gaussian channels is linear in them:
/// image_p = Σ_g w_gp·c_g, and unprojection is the transpose. Caching the weights turns every training render of
/// the segmentation field into a gather + scatter-add that autograd differentiates for free.
/// </summary>
internal sealed class ViewBlendWeights : IDisposable
{
    internal ViewBlendWeights(int width, int height, int[] pixels, int[] gaussians, float[] weights, float[] alpha, long gaussianCount)
    {
        Width = width; Height = height; GaussianCount = gaussianCount;
        PixelIndex = pixels; GaussianIndex = gaussians; Weights = weights; AlphaValues = alpha;
        // Gaussians visible in this view and their local (compact) index, so a field only evaluates what is seen.
        var seen = new bool[gaussianCount];
        foreach (var g in gaussians) seen[g] = true;
        var local = new int[gaussianCount];
        var visible = new List<long>();
        for (int g = 0; g < gaussianCount; g++) if (seen[g]) { local[g] = visible.Count; visible.Add(g); }
        var localIdx = new long[gaussians.Length];
        for (int i = 0; i < gaussians.Length; i++) localIdx[i] = local[gaussians[i]];
        Visible = tensor(visible.ToArray(), ScalarType.Int64);
        LocalGaussian = tensor(localIdx, ScalarType.Int64);
        Pixel = tensor(pixels.Select(p => (long)p).ToArray(), ScalarType.Int64);
        Gaussian = tensor(gaussians.Select(p => (long)p).ToArray(), ScalarType.Int64);
        Weight = tensor(weights, ScalarType.Float32);
        Alpha = tensor(alpha, new long[] { height, width }, ScalarType.Float32);
    }

    /// <summary>Image width.</summary>
    public int Width { get; }
    /// <summary>Image height.</summary>
    public int Height { get; }
    /// <summary>Number of Gaussians in the scene.</summary>
    public long GaussianCount { get; }
    /// <summary>Number of (pixel, Gaussian) contributions.</summary>
    public int Count => PixelIndex.Length;
    internal int[] PixelIndex { get; }
    internal int[] GaussianIndex { get; }
    internal float[] Weights { get; }
    internal float[] AlphaValues { get; }
    /// <summary>Indices (int64) of the Gaussians that contribute to at least one pixel.</summary>
    public Tensor Visible { get; }
    /// <summary>Per contribution, the index into <see cref="Visible"/>.</summary>
    public Tensor LocalGaussian { get; }
    /// <summary>Per contribution, the flat pixel index row·W + col.</summary>
    public Tensor Pixel { get; }
    /// <summary>Per contribution, the Gaussian index.</summary>
    public Tensor Gaussian { get; }
    /// <summary>Per contribution, the weight α·T.</summary>
    public Tensor Weight { get; }
    /// <summary>Accumulated opacity 1 − T_final, H×W.</summary>
    public Tensor Alpha { get; }

    /// <summary>Renders N×C channels (differentiably) to H×W×C, zero background.</summary>
    public Tensor Render(Tensor channels)
    {
        if (channels.shape[0] != GaussianCount)
            throw new ArgumentException($"channels must have {GaussianCount} rows, got {channels.shape[0]}.", nameof(channels));
        return Scatter(channels.index_select(0, Gaussian));
    }

    /// <summary>Renders channels given only for the visible Gaussians (|Visible|×C, in <see cref="Visible"/> order).</summary>
    public Tensor RenderVisible(Tensor visibleChannels)
    {
        if (visibleChannels.shape[0] != Visible.shape[0])
            throw new ArgumentException($"visibleChannels must have {Visible.shape[0]} rows, got {visibleChannels.shape[0]}.", nameof(visibleChannels));
        return Scatter(visibleChannels.index_select(0, LocalGaussian));
    }

    private Tensor Scatter(Tensor gathered)
    {
        long c = gathered.shape[1];
        using var weighted = gathered * Weight.unsqueeze(1).to(gathered.dtype);
        using var flat = zeros(new long[] { (long)Width * Height, c }, dtype: gathered.dtype);
        return flat.index_add(0, Pixel, weighted, 1).reshape(Height, Width, c);
    }

    /// <summary>
    /// Adds Σ_p w_gp·F_p to <paramref name="featureSums"/> (N×C) and Σ_p w_gp to <paramref name="weightSums"/> (N)
    /// for pixel features H×W×C.
    /// </summary>
    public void Unproject(Tensor pixelFeatures, Tensor featureSums, Tensor weightSums)
    {
        using var scope = NewDisposeScope();
        var flat = pixelFeatures.reshape(-1, pixelFeatures.shape[2]);
        var contrib = flat.index_select(0, Pixel) * Weight.unsqueeze(1);
        featureSums.index_add_(0, Gaussian, contrib, 1);
        weightSums.index_add_(0, Gaussian, Weight, 1);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Visible.Dispose(); LocalGaussian.Dispose(); Pixel.Dispose(); Gaussian.Dispose(); Weight.Dispose(); Alpha.Dispose();
    }
}
