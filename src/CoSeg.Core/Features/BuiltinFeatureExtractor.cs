using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Features;

/// <summary>Options of <see cref="BuiltinFeatureExtractor"/>.</summary>
public sealed record BuiltinFeatureOptions
{
    /// <summary>Half-widths (pixels) of the box windows for local colour statistics and gradients.</summary>
    public int[] Radii { get; init; } = { 1, 3, 7 };
    /// <summary>Integer downsampling of the output map (1 = full resolution).</summary>
    public int Downsample { get; init; } = 1;
}

/// <summary>
/// A weight-free default backbone: per-pixel opponent colour (a Lab-like luminance / red–green / yellow–blue
/// transform), local mean and standard deviation of each colour channel at several window sizes, and gradient
/// magnitude with doubled-angle orientation (cos 2θ, sin 2θ, so opposite edges agree) of the smoothed luminance per
/// scale. No pixel position is included, so the features are translation invariant.
/// Channels: 3 + 6·|Radii| + 3·|Radii|.
/// </summary>
public sealed class BuiltinFeatureExtractor : IFeatureExtractor
{
    private readonly BuiltinFeatureOptions _o;

    /// <summary>Creates the extractor.</summary>
    public BuiltinFeatureExtractor(BuiltinFeatureOptions? options = null)
    {
        _o = options ?? new BuiltinFeatureOptions();
        if (_o.Radii is null || _o.Radii.Length == 0 || _o.Radii.Any(r => r < 1))
            throw new ArgumentException("Radii must be a non-empty list of positive window half-widths.", nameof(options));
        if (_o.Downsample < 1) throw new ArgumentOutOfRangeException(nameof(options), "Downsample must be ≥ 1.");
    }

    /// <summary>Number of output channels.</summary>
    public int Channels => 3 + 9 * _o.Radii.Length;

    /// <inheritdoc />
    public string Name => "builtin";

    /// <inheritdoc />
    public Tensor Extract(Tensor image)
    {
        using var scope = NewDisposeScope();
        var x = ImageChecks.ToBatch(image, nameof(image)).clamp(0, 1);
        var r = x[TensorIndex.Colon, 0..1]; var g = x[TensorIndex.Colon, 1..2]; var b = x[TensorIndex.Colon, 2..3];
        var lum = (r + g + b) / 3;
        var opp = cat(new[] { lum, r - g, (r + g) / 2 - b }, 1);         // 1×3×H×W
        var parts = new List<Tensor> { opp };
        foreach (int rad in _o.Radii)
        {
            var mean = BoxMean(opp, rad);
            var sq = BoxMean(opp * opp, rad);
            parts.Add(mean);
            parts.Add((sq - mean * mean).clamp_min(0).add(1e-8).sqrt());
            var l = mean[TensorIndex.Colon, 0..1];
            var (gx, gy) = Sobel(l);
            gx = gx * rad; gy = gy * rad;   // gradients of a smoothed image shrink with the window; keep scales comparable
            var mag = (gx * gx + gy * gy).add(1e-12).sqrt();
            // doubled angle: cos 2θ = (gx² − gy²)/|g|, sin 2θ = 2 gx gy/|g| (weighted by magnitude)
            parts.Add(mag); parts.Add((gx * gx - gy * gy) / mag); parts.Add(2 * gx * gy / mag);
        }
        var feat = cat(parts, 1);
        if (_o.Downsample > 1) feat = F.avg_pool2d(feat, _o.Downsample, _o.Downsample);
        return feat.squeeze(0).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Sobel derivatives (x: columns, y: rows) with replicated borders, by shifted differences (no conv kernels).</summary>
    private static (Tensor Gx, Tensor Gy) Sobel(Tensor l)
    {
        long h = l.shape[2], w = l.shape[3];
        var p = F.pad(l, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        Tensor At(int dy, int dx) => p[TensorIndex.Ellipsis, TensorIndex.Slice(1 + dy, 1 + dy + h), TensorIndex.Slice(1 + dx, 1 + dx + w)];
        var gx = (At(-1, 1) - At(-1, -1) + 2 * (At(0, 1) - At(0, -1)) + At(1, 1) - At(1, -1)) / 8;
        var gy = (At(1, -1) - At(-1, -1) + 2 * (At(1, 0) - At(-1, 0)) + At(1, 1) - At(-1, 1)) / 8;
        return (gx, gy);
    }

    private static Tensor BoxMean(Tensor x, int radius)
    {
        int k = 2 * radius + 1;
        var padded = F.pad(x, new long[] { radius, radius, radius, radius }, PaddingModes.Replicate);
        return F.avg_pool2d(padded, k, 1);
    }
}
