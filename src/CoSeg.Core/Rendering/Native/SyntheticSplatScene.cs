using CoSeg.Common;
using CoSeg.Geometry;
using static TorchSharp.torch;

namespace CoSeg.Rendering.Native;

/// <summary>
/// Reproducible random Gaussian cloud in front of a camera, sized like a trained 3DGS scene (a few pixels per
/// Gaussian at the given resolution); used by the rasterizer benchmarks and the bench-raster command.
/// </summary>
internal static class SyntheticSplatScene
{
    /// <summary>Creates activated rasterizer inputs (N Gaussians, C channels) and a camera of the given size.</summary>
    public static (RasterInputs Inputs, Camera Camera) Create(int gaussians, int width, int height, int channels = 3, int seed = 0)
    {
        if (gaussians < 0) throw new ArgumentOutOfRangeException(nameof(gaussians), $"gaussians must be ≥ 0, got {gaussians}.");
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), $"channels must be ≥ 1, got {channels}.");
        // The scene, one forward and one backward pass must fit: checked before any tensor is made.
        MemoryBudget.RequireRaster(width, height, channels, gaussians, backward: true, $"A benchmark scene of {gaussians} Gaussians at {width}×{height}×{channels}");
        var camera = new Camera(width, height, 0.9 * width, 0.9 * width, width / 2.0, height / 2.0,
            new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 4 });
        var gen = new Generator((ulong)seed);
        // a 2-unit cube around the origin, 4 units in front of the camera
        var means = (rand(gaussians, 3, generator: gen) * 2 - 1) * new[] { 1.1f, 1.1f * height / width, 1f };
        // log-uniform scales so that at 800 px a Gaussian covers a few to a few tens of pixels
        var scales = exp(rand(gaussians, 3, generator: gen) * 1.6f - 5.2f);
        var quats = randn(gaussians, 4, generator: gen);
        var opacities = rand(gaussians, generator: gen) * 0.9f + 0.05f;
        var colors = rand(gaussians, channels, generator: gen);
        return (new RasterInputs(means, scales, quats, opacities, colors), camera);
    }
}
