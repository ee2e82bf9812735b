using CoSeg.Segmentation;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Models;

/// <summary>Options of <see cref="OnnxLabelSource"/>.</summary>
public sealed record OnnxLabelOptions
{
    /// <summary>Resize the input to this (height, width) before the model (e.g. 512×512), or null to keep the view's size.</summary>
    public (int Height, int Width)? InputSize { get; init; }
    /// <summary>Per-channel mean subtracted from the [0, 1] RGB, or null (with <see cref="Std"/>) for none (the default).</summary>
    public float[]? Mean { get; init; }
    /// <summary>Per-channel standard deviation divided by, or null for none.</summary>
    public float[]? Std { get; init; }
    /// <summary>The model input to feed (null = the model's only input).</summary>
    public string? InputName { get; init; }
    /// <summary>The logits output to read when the model has several (null = the first).</summary>
    public string? OutputName { get; init; }
    /// <summary>
    /// Optional class mapping: model class k becomes label id <c>ClassMap[k]</c> (0 = ignore). Needs one entry per
    /// model class. Without it the label is the model's class index (so its class 0 is "ignore").
    /// </summary>
    public int[]? ClassMap { get; init; }
    /// <summary>ONNX Runtime settings (threads, execution provider).</summary>
    public OnnxSessionOptions Session { get; init; } = new();
}

/// <summary>
/// Labels from a semantic segmenter exported to ONNX (SegFormer, Mask2Former's semantic head, …): the view's RGB as a
/// float 1×3×H×W batch → 1×K×h×w logits (or K×h×w) → bilinear resize to the view's size → per-pixel argmax →
/// optional class mapping.
/// </summary>
public sealed class OnnxLabelSource : ILabelSource, IDisposable
{
    private readonly OnnxModel _model;
    private readonly OnnxLabelOptions _o;
    private readonly string _input, _output;

    /// <summary>Loads the model; throws <see cref="InvalidDataException"/> if the file is not ONNX or its input is not an image batch.</summary>
    public OnnxLabelSource(string path, OnnxLabelOptions? options = null)
    {
        _o = options ?? new OnnxLabelOptions();
        OnnxImage.CheckNormalisation(_o.Mean, _o.Std, nameof(options));
        OnnxImage.CheckSize(_o.InputSize, nameof(OnnxLabelOptions.InputSize));
        if (_o.ClassMap is { } map && (map.Length == 0 || map.Any(id => id < 0)))
            throw new ArgumentException("ClassMap must be non-empty with ids ≥ 0.", nameof(options));
        _model = OnnxModel.Load(path, "segmentation model", _o.Session);
        try
        {
            _input = _model.ResolveInput(_o.InputName, nameof(OnnxLabelOptions.InputName));
            _output = _model.ResolveOutput(_o.OutputName, nameof(OnnxLabelOptions.OutputName));
            _model.RequireFloat(_input, input: true);
            _model.RequireFloat(_output, input: false);
            var dims = _model.InputDims(_input);
            if (dims.Length != 4 || (dims[1] > 0 && dims[1] != 3))
                throw new InvalidDataException($"ONNX segmentation model '{path}': input '{_input}' is declared {OnnxModel.FormatShape(dims.Select(d => (long)d).ToArray())}; expected an image batch [1,3,H,W].");
        }
        catch { _model.Dispose(); throw; }
        Path = path;
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public Tensor? GetLabels(SegmentationView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (view.Image is null) return null;
        var x = OnnxImage.ToNchw(view.Image, "view.Image", _o.InputSize, _o.Mean, _o.Std);
        _model.CheckShape(_input, x.Shape, _o.InputSize is null ? "set InputSize to the size the model was exported for" : "");
        var y = _model.Run(new[] { (_input, x) }, new[] { _output })[0];
        var shape = y.Shape;
        if (shape.Length == 3) shape = new long[] { 1, shape[0], shape[1], shape[2] };
        if (shape.Length != 4 || shape[0] != 1 || shape.Any(d => d < 1))
            throw new InvalidDataException($"ONNX segmentation model '{Path}': output '{_output}' has shape {y.ShapeText}; expected 1×K×h×w logits.");
        long k = shape[1];
        if (_o.ClassMap is { } map && map.Length < k)
            throw new InvalidDataException($"ONNX segmentation model '{Path}' gives {k} classes but ClassMap has {map.Length} entries.");
        using var scope = NewDisposeScope();
        var logits = tensor(y.Data, shape, ScalarType.Float32);
        int h = view.Camera.Height, w = view.Camera.Width;
        if (shape[2] != h || shape[3] != w)
            logits = F.interpolate(logits, new long[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false);
        var labels = logits.argmax(1).squeeze(0).to(ScalarType.Int64);
        if (_o.ClassMap is { } m) labels = tensor(m.Select(v => (long)v).ToArray(), ScalarType.Int64).index_select(0, labels.reshape(-1)).reshape(h, w);
        return labels.contiguous().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
