using CoSeg.Features;
using static TorchSharp.torch;

namespace CoSeg.Models;

/// <summary>How the output of an ONNX feature model is laid out.</summary>
public enum OnnxFeatureLayout
{
    /// <summary>Rank 4 → <see cref="Map"/>, rank 3 → <see cref="Tokens"/>.</summary>
    Auto,
    /// <summary>A feature map 1×C×h×w (or C×h×w), as CNN backbones give.</summary>
    Map,
    /// <summary>
    /// ViT tokens 1×T×C (or T×C): optional leading tokens (class token, registers; see
    /// <see cref="OnnxFeatureOptions.PrefixTokens"/>), then the patch tokens in row-major order of the patch grid.
    /// </summary>
    Tokens,
}

/// <summary>Options of <see cref="OnnxFeatureExtractor"/>.</summary>
public sealed record OnnxFeatureOptions : OnnxImageModelOptions
{
    /// <summary>ImageNet mean/std normalisation by default.</summary>
    public OnnxFeatureOptions()
    {
        Mean = new[] { 0.485f, 0.456f, 0.406f };
        Std = new[] { 0.229f, 0.224f, 0.225f };
    }

    /// <summary>Output layout (default: decided by the output's rank).</summary>
    public OnnxFeatureLayout Layout { get; init; } = OnnxFeatureLayout.Auto;
    /// <summary>
    /// Token layout: number of leading non-patch tokens to drop (1 = class token, 5 = class token + 4 registers), or
    /// null to infer 0 or 1 from the token count and the patch grid.
    /// </summary>
    public int? PrefixTokens { get; init; }
    /// <summary>Token layout: the ViT patch size in input pixels (grid = input size / patch), or null to infer the grid from the token count and the aspect ratio.</summary>
    public int? PatchSize { get; init; }
}

/// <summary>
/// A 2D backbone exported to ONNX (a CNN, or a DINO/DINOv2 ViT): the model takes a normalised float 1×3×H×W batch and
/// returns either a 1×C×h×w feature map or 1×T×C tokens, which are reshaped to the C×gh×gw patch grid.
/// </summary>
public sealed class OnnxFeatureExtractor : IFeatureExtractor, IDisposable
{
    private readonly OnnxModel _model;
    private readonly OnnxFeatureOptions _o;
    private readonly string _input, _output;

    /// <summary>
    /// Loads the model; throws <see cref="InvalidDataException"/> if the file is not ONNX or its input/output is not a
    /// float tensor of a usable rank, and <see cref="ArgumentException"/> for a named input/output it does not have.
    /// </summary>
    public OnnxFeatureExtractor(string path, OnnxFeatureOptions? options = null)
    {
        _o = options ?? new OnnxFeatureOptions();
        if (_o.PrefixTokens is < 0) throw new ArgumentOutOfRangeException(nameof(options), $"PrefixTokens must be ≥ 0, got {_o.PrefixTokens}.");
        if (_o.PatchSize is < 1) throw new ArgumentOutOfRangeException(nameof(options), $"PatchSize must be ≥ 1, got {_o.PatchSize}.");
        (_model, _input, _output) = OnnxImage.LoadImageModel(path, "feature model", _o);
        Name = "onnx:" + System.IO.Path.GetFileName(path);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public Tensor Extract(Tensor image)
    {
        var (x, y) = OnnxImage.RunImageModel(_model, _input, _output, image, nameof(image), _o);
        int h = (int)x.Shape[2], w = (int)x.Shape[3];
        var shape = y.Shape;
        var layout = _o.Layout;
        if (layout == OnnxFeatureLayout.Auto)
            layout = shape.Length == 4 || (shape.Length == 3 && _o.PrefixTokens is null && _o.PatchSize is null && LooksLikeMap(shape)) ? OnnxFeatureLayout.Map : OnnxFeatureLayout.Tokens;
        using var scope = NewDisposeScope();
        Tensor result;
        if (layout == OnnxFeatureLayout.Map)
        {
            if (shape.Length == 4 && shape[0] == 1) shape = shape[1..];
            if (shape.Length != 3 || shape.Any(d => d < 1))
                throw new InvalidDataException($"ONNX feature model '{_model.Path}': output '{_output}' has shape {y.ShapeText}; expected a map 1×C×h×w.");
            result = tensor(y.Data, shape, ScalarType.Float32);
        }
        else
        {
            if (shape.Length == 3 && shape[0] == 1) shape = shape[1..];
            if (shape.Length != 2 || shape[0] < 1 || shape[1] < 1)
                throw new InvalidDataException($"ONNX feature model '{_model.Path}': output '{_output}' has shape {y.ShapeText}; expected tokens 1×T×C.");
            int t = (int)shape[0], c = (int)shape[1];
            var (prefix, gh, gw) = TokenGrid(t, h, w);
            result = tensor(y.Data, new long[] { t, c }, ScalarType.Float32)
                .narrow(0, prefix, (long)gh * gw).t().reshape(c, gh, gw).contiguous();
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>A rank-3 output is taken as C×h×w unless it is 1×T×C.</summary>
    private static bool LooksLikeMap(long[] shape) => shape[0] != 1;

    /// <summary>Leading tokens and the patch grid (gh, gw) of <paramref name="tokens"/> tokens for an h×w input.</summary>
    private (int Prefix, int Gh, int Gw) TokenGrid(int tokens, int h, int w)
    {
        var prefixes = _o.PrefixTokens is { } p ? new[] { p } : new[] { 0, 1 };
        foreach (int prefix in prefixes)
        {
            int n = tokens - prefix;
            if (n < 1) continue;
            if (_o.PatchSize is { } ps)
            {
                int gh = h / ps, gw = w / ps;
                if (gh * gw == n) return (prefix, gh, gw);
                continue;
            }
            int g = (int)Math.Round(Math.Sqrt(n * (double)h / w));
            for (int cand = Math.Max(1, g - 1); cand <= g + 1; cand++)
                if (n % cand == 0 && Math.Abs(cand / (double)(n / cand) - h / (double)w) <= 0.25 * h / w + 1e-9)
                    return (prefix, cand, n / cand);
        }
        throw new InvalidDataException(
            $"ONNX feature model '{_model.Path}': {tokens} output tokens do not form a patch grid for a {h}×{w} input " +
            $"(with {string.Join(" or ", prefixes)} leading token(s){(_o.PatchSize is { } q ? $", patch size {q}" : "")}); set PrefixTokens and PatchSize.");
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
