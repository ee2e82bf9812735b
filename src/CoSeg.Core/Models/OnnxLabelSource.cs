using CoSeg.Segmentation;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Models;

/// <summary>Options of <see cref="OnnxLabelSource"/> (no normalisation by default: set Mean/Std to the model's).</summary>
public sealed record OnnxLabelOptions : OnnxImageModelOptions
{
    /// <summary>
    /// Optional class mapping: model class k becomes label id <c>ClassMap[k]</c> (0 = ignore). Needs one entry per
    /// model class. Without it the label is the model's class index (so its class 0 is "ignore").
    /// </summary>
    public int[]? ClassMap { get; init; }
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
        if (_o.ClassMap is { } map && (map.Length == 0 || map.Any(id => id < 0)))
            throw new ArgumentException("ClassMap must be non-empty with ids ≥ 0.", nameof(options));
        (_model, _input, _output) = OnnxImage.LoadImageModel(path, "segmentation model", _o);
        Path = path;
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public Tensor? GetLabels(SegmentationView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (view.Image is null) return null;
        var (_, y) = OnnxImage.RunImageModel(_model, _input, _output, view.Image, "view.Image", _o);
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
