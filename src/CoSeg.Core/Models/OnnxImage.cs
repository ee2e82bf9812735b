using CoSeg.Features;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Models;

/// <summary>What every ONNX model that takes one image has: input size, normalisation, input/output names, session.</summary>
public abstract record OnnxImageModelOptions
{
    /// <summary>Resize the input to this (height, width) before the model (e.g. 224×224 for a fixed-size ViT), or null to keep the image's size.</summary>
    public (int Height, int Width)? InputSize { get; init; }
    /// <summary>Per-channel mean subtracted from the [0, 1] RGB (null together with <see cref="Std"/> = no normalisation).</summary>
    public float[]? Mean { get; init; }
    /// <summary>Per-channel standard deviation divided by.</summary>
    public float[]? Std { get; init; }
    /// <summary>The model input to feed (null = the model's only input).</summary>
    public string? InputName { get; init; }
    /// <summary>The output to read when the model has several (null = the first).</summary>
    public string? OutputName { get; init; }
    /// <summary>ONNX Runtime settings (threads, execution provider).</summary>
    public OnnxSessionOptions Session { get; init; } = new();
}

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

    /// <summary>
    /// Loads a model that takes one float image batch [1,3,H,W] (the named input, or its only one) and gives a float
    /// output (the named one, or its first); disposes the session and throws if the model does not fit.
    /// </summary>
    public static (OnnxModel Model, string Input, string Output) LoadImageModel(string path, string role, OnnxImageModelOptions o)
    {
        CheckNormalisation(o.Mean, o.Std, nameof(o.Mean));
        CheckSize(o.InputSize, nameof(o.InputSize));
        var model = OnnxModel.Load(path, role, o.Session);
        try
        {
            string input = model.ResolveInput(o.InputName, nameof(o.InputName)), output = model.ResolveOutput(o.OutputName, nameof(o.OutputName));
            model.RequireFloat(input, input: true);
            model.RequireFloat(output, input: false);
            var dims = model.InputDims(input);
            if (dims.Length != 4 || (dims[1] > 0 && dims[1] != 3))
                throw new InvalidDataException($"ONNX {role} '{path}': input '{input}' is declared {OnnxModel.FormatShape(dims.Select(d => (long)d).ToArray())}; expected an image batch [1,3,H,W].");
            return (model, input, output);
        }
        catch { model.Dispose(); throw; }
    }

    /// <summary>Preprocesses <paramref name="image"/>, checks it against the model's declared input shape and runs the model.</summary>
    public static (HostTensor Input, HostTensor Output) RunImageModel(OnnxModel model, string input, string output, Tensor image, string argName, OnnxImageModelOptions o)
    {
        var x = ToNchw(image, argName, o.InputSize, o.Mean, o.Std);
        model.CheckShape(input, x.Shape, o.InputSize is null ? "set InputSize to the size the model was exported for" : "");
        return (x, model.Run(new[] { (input, x) }, new[] { output })[0]);
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
