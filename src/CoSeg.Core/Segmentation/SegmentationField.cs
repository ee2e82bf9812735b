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
    private readonly Tensor? _global;  // 1×G scene descriptor, or null
    private readonly Linear _first;
    private readonly Linear? _firstGlobal;
    private readonly Sequential _rest;

    public SharedDecoderField(Tensor inputs, Tensor? global, int classes, int hidden, int layers, int seed) : base("CoSegDecoder")
    {
        _inputs = inputs; _global = global;
        torch.manual_seed(seed);
        _first = Linear(inputs.shape[1], hidden);
        // The global descriptor is the same for every Gaussian, so its share of the first layer is computed once per
        // call and broadcast (equivalent to concatenating it to every row, without N copies).
        _firstGlobal = global is null ? null : Linear(global.shape[1], hidden, hasBias: false);
        _rest = layers == 2
            ? Sequential(("relu1", ReLU()), ("fc2", Linear(hidden, classes)))
            : Sequential(("relu1", ReLU()), ("fc2", Linear(hidden, hidden)), ("relu2", ReLU()), ("fc3", Linear(hidden, classes)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = _first.forward(x);
        if (_firstGlobal is null) return _rest.forward(h);
        using var g = _firstGlobal.forward(_global!);
        using var hg = h + g;
        return _rest.forward(hg);
    }

    public Tensor Logits(Tensor? idx)
    {
        if (idx is null) return forward(_inputs);
        using var x = _inputs.index_select(0, idx);
        return forward(x);
    }

    public IEnumerable<Parameter> TrainableParameters => parameters();

    protected override void Dispose(bool disposing)
    {
        if (disposing) { _inputs.Dispose(); _global?.Dispose(); }
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

/// <summary>
/// The Gaussian Grouping baseline field: a learnable identity encoding per Gaussian (initialised as Gaussian Grouping
/// does, uniform colours converted to SH DC) and one linear classifier to K logits, applied per Gaussian.
/// </summary>
internal sealed class IdentityEncodingField : Module<Tensor, Tensor>, ISegmentationField
{
    private readonly Parameter _encodings;
    private readonly Linear _classifier;

    public IdentityEncodingField(long count, int dimensions, int classes, int seed) : base("IdentityEncodingField")
    {
        torch.manual_seed(seed);
        var gen = new torch.Generator((ulong)seed);
        const double c0 = 0.28209479177387814;   // SH DC basis: (u − 0.5) / c0 as RGB2SH
        using (var u = torch.rand(new long[] { count, dimensions }, generator: gen))
        using (var e = (u - 0.5) / c0)
            _encodings = new Parameter(e.clone(), requires_grad: true);
        _classifier = Linear(dimensions, classes);
        RegisterComponents();
    }

    /// <summary>The identity encodings (N×E).</summary>
    public Parameter Encodings => _encodings;
    /// <summary>The classifier's parameters.</summary>
    public IEnumerable<Parameter> ClassifierParameters => _classifier.parameters();

    public override Tensor forward(Tensor idx) => _classifier.forward(_encodings.index_select(0, idx));

    public Tensor Logits(Tensor? idx) => idx is null ? _classifier.forward(_encodings) : forward(idx);

    public IEnumerable<Parameter> TrainableParameters => parameters();
}
