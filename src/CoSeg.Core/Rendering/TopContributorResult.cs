using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>
/// Per-pixel top contributor of a view (<see cref="Rasterizer.RenderTopContributor"/>): for every pixel, the index of the
/// Gaussian with the largest blending weight w = α·T there (the front-most one on ties) and that weight. This is what
/// picking uses: the Gaussian a user "clicked" on.
/// </summary>
public sealed class TopContributorResult : IDisposable
{
    internal TopContributorResult(Tensor index, Tensor weight)
    {
        Index = index; Weight = weight;
    }

    /// <summary>H×W int32 Gaussian indices; −1 where no Gaussian is blended.</summary>
    public Tensor Index { get; }

    /// <summary>H×W float32 blending weight α·T of that Gaussian (0 where none).</summary>
    public Tensor Weight { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width => (int)Index.shape[1];

    /// <summary>Image height in pixels.</summary>
    public int Height => (int)Index.shape[0];

    /// <summary>The top contributor at pixel column <paramref name="x"/>, row <paramref name="y"/> (−1 and 0 when none).</summary>
    public (int Gaussian, float Weight) At(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}) is outside the {Width}×{Height} image.");
        return (Index[y, x].item<int>(), Weight[y, x].item<float>());
    }

    /// <inheritdoc />
    public void Dispose() { Index.Dispose(); Weight.Dispose(); }
}
