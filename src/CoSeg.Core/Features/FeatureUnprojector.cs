using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Rendering;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Features;

/// <summary>
/// Lifts 2D feature maps onto Gaussians without training: f_g = Σ_views Σ_pixels w_gp·F_p / Σ w_gp with
/// w_gp = α_g(p)·T_g(p), the weight with which Gaussian g contributes to pixel p's colour. Feature maps are
/// upsampled bilinearly to each view's size first.
/// </summary>
public static class FeatureUnprojector
{
    /// <summary>
    /// Unprojects one C×h×w feature map per camera onto <paramref name="scene"/>'s frozen geometry, one view at a time
    /// through the rasterizer backend's transpose pass (<paramref name="backend"/>: see <see cref="Rasterizer.Backends"/>).
    /// </summary>
    public static UnprojectedFeatures Unproject(GaussianScene scene, IReadOnlyList<Camera> cameras, IReadOnlyList<Tensor> featureMaps,
                                                RasterSettings? settings = null, CancellationToken ct = default, string backend = "auto")
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(cameras);
        ArgumentNullException.ThrowIfNull(featureMaps);
        if (cameras.Count != featureMaps.Count)
            throw new ArgumentException($"{cameras.Count} cameras but {featureMaps.Count} feature maps.", nameof(featureMaps));
        using var geometry = new FrozenGeometry(scene, backend, settings);
        var acc = new Accumulator(scene.Count);
        for (int v = 0; v < cameras.Count; v++)
        {
            ct.ThrowIfCancellationRequested();
            var view = geometry.View(cameras[v]);
            using var px = ToPixelFeatures(featureMaps[v], cameras[v].Height, cameras[v].Width, $"featureMaps[{v}]");
            acc.Add(px, (f, fs, ws) => geometry.Unproject(view, f, fs, ws));
        }
        return acc.Finish();
    }

    /// <summary>C×h×w → H×W×C, bilinear (no-op resize when sizes already match).</summary>
    internal static Tensor ToPixelFeatures(Tensor map, int height, int width, string argName)
    {
        if (map.ndim != 3) throw new ArgumentException($"{argName} must be C×h×w, got [{string.Join(",", map.shape)}].", argName);
        using var scope = NewDisposeScope();
        var x = map.to(ScalarType.Float32).unsqueeze(0);
        if (map.shape[1] != height || map.shape[2] != width)
            x = F.interpolate(x, new long[] { height, width }, mode: InterpolationMode.Bilinear, align_corners: false);
        return x.squeeze(0).permute(1, 2, 0).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Running Σ w·F and Σ w over views; <see cref="Finish"/> divides.</summary>
    internal sealed class Accumulator(long count)
    {
        private Tensor? _sums;
        // Detached: callers add views from inside their per-view dispose scopes.
        private readonly Tensor _weights = zeros(count).DetachFromDisposeScope();

        public void Add(Tensor pixelFeatures, Action<Tensor, Tensor, Tensor> unproject)
        {
            _sums ??= zeros(count, pixelFeatures.shape[2]).DetachFromDisposeScope();
            if (_sums.shape[1] != pixelFeatures.shape[2])
                throw new ArgumentException($"feature maps have different channel counts ({_sums.shape[1]} vs {pixelFeatures.shape[2]}).");
            unproject(pixelFeatures, _sums, _weights);
        }

        public UnprojectedFeatures Finish()
        {
            var sums = _sums ?? zeros(new long[] { count, 0 });
            using var denom = _weights.clamp_min(1e-12).unsqueeze(1);
            using var seen = _weights.gt(0).unsqueeze(1);
            var features = sums / denom * seen.to(ScalarType.Float32);
            sums.Dispose();
            return new UnprojectedFeatures(features, _weights);
        }
    }
}
