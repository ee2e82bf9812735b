using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CoSeg.Segmentation;

/// <summary>A trainable map from Gaussians to K identity logits.</summary>
internal interface ISegmentationField : IDisposable
{
    /// <summary>Logits (|idx|×K) of the Gaussians in <paramref name="idx"/> (int64), or of all Gaussians when null.</summary>
    Tensor Logits(Tensor? idx);
    /// <summary>The trainable parameters.</summary>
    IEnumerable<Parameter> TrainableParameters { get; }
}

/// <summary>
/// The CoSeg field: a shallow MLP shared by all Gaussians, applied to each Gaussian's fused input (unprojected
/// features, multi-scale spatial features, position encoding, global descriptor), standardised per column.
/// </summary>
internal sealed class SharedDecoderField : Module<Tensor, Tensor>, ISegmentationField
{
    private readonly Tensor _inputs;   // N×D, standardised; not trained
    private readonly Sequential _mlp;

    public SharedDecoderField(Tensor inputs, int classes, int hidden, int layers, int seed) : base("CoSegDecoder")
    {
        _inputs = inputs;
        torch.manual_seed(seed);
        long d = inputs.shape[1];
        _mlp = layers == 2
            ? Sequential(("fc1", Linear(d, hidden)), ("relu1", ReLU()), ("fc2", Linear(hidden, classes)))
            : Sequential(("fc1", Linear(d, hidden)), ("relu1", ReLU()), ("fc2", Linear(hidden, hidden)), ("relu2", ReLU()), ("fc3", Linear(hidden, classes)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => _mlp.forward(x);

    public Tensor Logits(Tensor? idx)
    {
        if (idx is null) return forward(_inputs);
        using var x = _inputs.index_select(0, idx);
        return forward(x);
    }

    public IEnumerable<Parameter> TrainableParameters => parameters();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inputs.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>The baseline field: one free learnable logit vector per Gaussian (Gaussian Grouping style).</summary>
internal sealed class PerGaussianField : ISegmentationField
{
    private readonly Parameter _logits;

    public PerGaussianField(long count, int classes, int seed)
    {
        var gen = new torch.Generator((ulong)seed);
        using var init = torch.randn(new long[] { count, classes }, generator: gen) * 0.01;
        _logits = new Parameter(init.clone(), requires_grad: true);
    }

    public Tensor Logits(Tensor? idx) => idx is null ? _logits.alias() : _logits.index_select(0, idx);

    public IEnumerable<Parameter> TrainableParameters => new[] { _logits };

    public void Dispose() => _logits.Dispose();
}
