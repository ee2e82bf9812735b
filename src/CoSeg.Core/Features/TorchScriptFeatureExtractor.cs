using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Features;

/// <summary>Options of <see cref="TorchScriptFeatureExtractor"/>.</summary>
public sealed record TorchScriptFeatureOptions
{
    /// <summary>Resize the input to this (height, width) before the model (e.g. 224×224 for a ViT), or null to keep the size.</summary>
    public (int Height, int Width)? InputSize { get; init; }
    /// <summary>Per-channel mean subtracted after scaling to [0, 1] (ImageNet by default).</summary>
    public float[] Mean { get; init; } = { 0.485f, 0.456f, 0.406f };
    /// <summary>Per-channel standard deviation divided by (ImageNet by default).</summary>
    public float[] Std { get; init; } = { 0.229f, 0.224f, 0.225f };
}

/// <summary>
/// A user-exported 2D backbone (e.g. a DINO ViT traced with <c>torch.jit.trace</c>): the model takes a normalised
/// 1×3×H×W batch and returns 1×C×h×w features (or C×h×w).
/// </summary>
public sealed class TorchScriptFeatureExtractor : IFeatureExtractor, IDisposable
{
    private readonly torch.jit.ScriptModule _module;
    private readonly TorchScriptFeatureOptions _o;

    /// <summary>Loads the TorchScript file; throws <see cref="InvalidDataException"/> if it is not a TorchScript model.</summary>
    public TorchScriptFeatureExtractor(string path, TorchScriptFeatureOptions? options = null)
    {
        _o = options ?? new TorchScriptFeatureOptions();
        if (_o.Mean.Length != 3 || _o.Std.Length != 3 || _o.Std.Any(s => !(s > 0)))
            throw new ArgumentException("Mean and Std must have 3 entries each, Std > 0.", nameof(options));
        _module = TorchScriptLoader.Load(path);
        Name = "torchscript:" + Path.GetFileName(path);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public Tensor Extract(Tensor image)
    {
        using var scope = NewDisposeScope();
        var x = ImageChecks.ToBatch(image, nameof(image));
        if (_o.InputSize is { } size)
            x = F.interpolate(x, new long[] { size.Height, size.Width }, mode: InterpolationMode.Bilinear, align_corners: false);
        x = (x - tensor(_o.Mean).reshape(1, 3, 1, 1)) / tensor(_o.Std).reshape(1, 3, 1, 1);
        Tensor y;
        using (no_grad()) y = (Tensor)_module.call(x);
        if (y.ndim == 4 && y.shape[0] == 1) y = y.squeeze(0);
        if (y.ndim != 3)
            throw new InvalidDataException($"TorchScript feature model {Name} returned shape [{string.Join(",", y.shape)}]; expected 1×C×h×w.");
        return y.to(ScalarType.Float32).contiguous().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _module.Dispose();
}
