using CoSeg.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Labels from a user-exported 2D segmentation model (TorchScript): the view's RGB image (optionally normalised with
/// mean/std) as a 1×3×H×W batch → 1×K×h×w logits (or K×h×w) → bilinear resize to the view's size → argmax.
/// </summary>
public sealed class TorchScriptLabelSource : ILabelSource, IDisposable
{
    private readonly torch.jit.ScriptModule _module;
    private readonly float[]? _mean, _std;

    /// <summary>Loads the model; throws <see cref="InvalidDataException"/> if the file is not a TorchScript model.</summary>
    public TorchScriptLabelSource(string path, float[]? mean = null, float[]? std = null)
    {
        if ((mean is null) != (std is null) || (mean is not null && (mean.Length != 3 || std!.Length != 3 || std.Any(s => !(s > 0)))))
            throw new ArgumentException("mean and std must both be null or both have 3 entries (std > 0).", nameof(mean));
        _module = TorchScriptLoader.Load(path);
        _mean = mean; _std = std;
        Path = path;
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public Tensor? GetLabels(SegmentationView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (view.Image is null) return null;
        using var scope = NewDisposeScope();
        var x = ImageChecks.ToBatch(view.Image, "view.Image");
        if (_mean is not null) x = (x - tensor(_mean).reshape(1, 3, 1, 1)) / tensor(_std!).reshape(1, 3, 1, 1);
        Tensor y;
        using (no_grad()) y = (Tensor)_module.call(x);
        if (y.ndim == 3) y = y.unsqueeze(0);
        if (y.ndim != 4 || y.shape[0] != 1)
            throw new InvalidDataException($"segmentation model '{Path}' returned shape [{string.Join(",", y.shape)}]; expected 1×K×h×w logits.");
        int h = view.Camera.Height, w = view.Camera.Width;
        if (y.shape[2] != h || y.shape[3] != w)
            y = nn.functional.interpolate(y.to(ScalarType.Float32), new long[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false);
        return y.argmax(1).squeeze(0).to(ScalarType.Int64).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _module.Dispose();
}
