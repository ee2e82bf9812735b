using CoSeg.Features;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Models;

/// <summary>Image preprocessing shared by the ONNX models: H×W×3 [0, 1] → resized, normalised 1×3×h×w host tensor.</summary>
internal static class OnnxImage
{
    /// <summary>
    /// <paramref name="image"/> (H×W×3 float in [0, 1]) bilinearly resized to <paramref name="size"/> (null = keep), then
    /// (x − mean) / std per channel (null = none), padded with zeros at the bottom/right to <paramref name="padTo"/>.
    /// </summary>
    public static HostTensor ToNchw(Tensor image, string argName, (int Height, int Width)? size, float[]? mean, float[]? std, (int Height, int Width)? padTo = null)
    {
        using var scope = NewDisposeScope();
        var x = ImageChecks.ToBatch(image, argName);
        if (size is { } s && (s.Height != x.shape[2] || s.Width != x.shape[3]))
            x = F.interpolate(x, new long[] { s.Height, s.Width }, mode: InterpolationMode.Bilinear, align_corners: false);
        if (mean is not null) x = (x - tensor(mean).reshape(1, 3, 1, 1)) / tensor(std!).reshape(1, 3, 1, 1);
        if (padTo is { } p && (p.Height != x.shape[2] || p.Width != x.shape[3]))
            x = F.pad(x, new long[] { 0, p.Width - x.shape[3], 0, p.Height - x.shape[2] });
        x = x.contiguous();
        return new HostTensor(x.data<float>().ToArray(), x.shape);
    }

    /// <summary>Throws unless mean/std are both null or both three entries with std &gt; 0.</summary>
    public static void CheckNormalisation(float[]? mean, float[]? std, string option)
    {
        if ((mean is null) != (std is null) || (mean is not null && (mean.Length != 3 || std!.Length != 3 || std.Any(v => !(v > 0)) || mean.Any(v => !float.IsFinite(v)))))
            throw new ArgumentException("Mean and Std must both be null or both have 3 finite entries (Std > 0).", option);
    }

    /// <summary>Throws unless a requested input size is positive.</summary>
    public static void CheckSize((int Height, int Width)? size, string option)
    {
        if (size is { } s && (s.Height < 1 || s.Width < 1))
            throw new ArgumentOutOfRangeException(option, $"{option} must be positive, got {s.Height}×{s.Width}.");
    }
}
