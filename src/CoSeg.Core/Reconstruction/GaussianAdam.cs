using CoSeg.Gaussians;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// Adam over the five parameter tensors of a <see cref="GaussianScene"/>, with one learning rate per tensor (and per SH
/// coefficient: DC at the feature rate, the rest at rate / divisor). Written on the raw tensors rather than with
/// <c>torch.optim.Adam</c> because densification adds and removes rows every few hundred steps: keeping the moment
/// buffers here lets us gather/extend them with the same row selection as the parameters (new rows start with zero
/// moments, as the reference trainer does), which TorchSharp's optimizer state does not expose conveniently.
/// The step count is shared by all rows (bias correction as torch's Adam, which keeps the step when rows are added).
/// </summary>
internal sealed class GaussianAdam : IDisposable
{
    internal const int Means = 0, Scales = 1, Rotations = 2, Opacities = 3, Sh = 4, SlotCount = 5;
    private const double Beta1 = 0.9, Beta2 = 0.999;

    private readonly Tensor[] _m = new Tensor[SlotCount];
    private readonly Tensor[] _v = new Tensor[SlotCount];
    private readonly double[] _lr = new double[SlotCount];
    private readonly Tensor _shLrScale; // 1×K×1: 1 for DC, 1/divisor for the rest
    private readonly double _eps;
    private readonly double _featureRestDivisor;

    public GaussianAdam(GaussianScene scene, double positionLr, double scalingLr, double rotationLr, double opacityLr,
                        double featureLr, double featureRestDivisor, double epsilon)
    {
        var p = Parameters(scene);
        for (int s = 0; s < SlotCount; s++)
        {
            _m[s] = zeros_like(p[s]).DetachFromDisposeScope();
            _v[s] = zeros_like(p[s]).DetachFromDisposeScope();
        }
        _lr[Means] = positionLr; _lr[Scales] = scalingLr; _lr[Rotations] = rotationLr; _lr[Opacities] = opacityLr; _lr[Sh] = featureLr;
        long k = scene.ShCoefficients.shape[1];
        var scale = Enumerable.Repeat((float)(1.0 / featureRestDivisor), (int)k).ToArray();
        scale[0] = 1f;
        _shLrScale = tensor(scale, new long[] { 1, k, 1 }).DetachFromDisposeScope();
        _eps = epsilon;
        _featureRestDivisor = featureRestDivisor;
    }

    /// <summary>Steps taken so far.</summary>
    public int StepCount { get; private set; }

    /// <summary>Learning rate of one slot (the position rate is updated by the schedule each iteration).</summary>
    public double this[int slot] { get => _lr[slot]; set => _lr[slot] = value; }

    /// <summary>First and second moments of a slot (for tests).</summary>
    internal (Tensor M, Tensor V) State(int slot) => (_m[slot], _v[slot]);

    internal static Tensor[] Parameters(GaussianScene s) => [s.Means, s.LogScales, s.Rotations, s.OpacityLogits, s.ShCoefficients];

    /// <summary>
    /// One Adam update of every parameter that has a gradient (<c>.grad</c>, as autograd leaves it); gradients are then
    /// zeroed. See <see cref="Step(GaussianScene, IReadOnlyList{Tensor?}, int?)"/>.
    /// </summary>
    public void Step(GaussianScene scene, int? activeShCoefficients = null)
    {
        var grads = Parameters(scene).Select(p => p.grad).ToArray();
        Step(scene, grads, activeShCoefficients);
        foreach (var g in grads) g?.zero_();
    }

    /// <summary>
    /// One Adam update of every parameter with a gradient in <paramref name="grads"/> (per slot, null = skip). Only the
    /// first <paramref name="activeShCoefficients"/> SH coefficients are touched (null = all): the inactive ones have
    /// zero gradients anyway, and skipping them saves most of the optimizer's memory traffic early in training. With
    /// libcoseg_native loaded, all groups are updated by one fused native pass; otherwise by TorchSharp in-place ops.
    /// </summary>
    public void Step(GaussianScene scene, IReadOnlyList<Tensor?> grads, int? activeShCoefficients = null)
    {
        ArgumentNullException.ThrowIfNull(grads);
        if (grads.Count != SlotCount) throw new ArgumentException($"Expected {SlotCount} gradients, got {grads.Count}.", nameof(grads));
        var p = Parameters(scene);
        for (int s = 0; s < SlotCount; s++)
            if (grads[s] is { } g && !g.shape.SequenceEqual(_m[s].shape))
                throw new InvalidOperationException($"Adam state of slot {s} has shape [{string.Join(",", _m[s].shape)}] but the gradient is [{string.Join(",", g.shape)}].");
        StepCount++;
        long kAll = p[Sh].shape[1];
        long k = Math.Min(activeShCoefficients ?? kAll, kAll);
        bool native = NativeTrainingKernels.Available
                      && Enumerable.Range(0, SlotCount).All(s => grads[s] is null || (NativeTrainingKernels.Fits(p[s]) && NativeTrainingKernels.Fits(grads[s]!)
                                                                                       && NativeTrainingKernels.Fits(_m[s]) && NativeTrainingKernels.Fits(_v[s])));
        if (native) StepNative(p, grads, (int)k);
        else StepTorch(p, grads, k);
    }

    private void StepNative(Tensor[] p, IReadOnlyList<Tensor?> grads, int k)
    {
        Span<NativeTrainingKernels.AdamGroup> groups = stackalloc NativeTrainingKernels.AdamGroup[SlotCount];
        int count = 0;
        for (int s = 0; s < SlotCount; s++)
        {
            if (grads[s] is not { } g || p[s].numel() == 0) continue;
            bool sh = s == Sh;
            long rows = sh ? p[s].shape[0] : 1;
            int rowLen = checked((int)(p[s].numel() / rows));
            int active = sh ? k * 3 : rowLen;
            groups[count++] = new NativeTrainingKernels.AdamGroup
            {
                Param = Ptr(p[s]), Grad = Ptr(g), M = Ptr(_m[s]), V = Ptr(_v[s]),
                Rows = rows, RowLength = rowLen, ActiveLength = active, RestFrom = sh ? 3 : rowLen,
                Lr = (float)_lr[s], LrRest = (float)(sh ? _lr[s] / _featureRestDivisor : _lr[s]),
            };
        }
        NativeTrainingKernels.AdamStep(groups[..count], StepCount, Beta1, Beta2, _eps);
    }

    private static IntPtr Ptr(Tensor t) => Rendering.Native.NativeMethods.DataPointer(t);

    private void StepTorch(Tensor[] p, IReadOnlyList<Tensor?> grads, long k)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double bc1 = 1 - Math.Pow(Beta1, StepCount), bc2 = 1 - Math.Pow(Beta2, StepCount);
        for (int s = 0; s < SlotCount; s++)
        {
            if (grads[s] is not { } g) continue;
            Tensor param = p[s], grad = g, m = _m[s], v = _v[s];
            Tensor? lrScale = null;
            if (s == Sh)
            {
                if (k < param.shape[1])
                {
                    // Views, so the in-place updates land in the full tensors.
                    param = param[.., ..(int)k, ..]; grad = g[.., ..(int)k, ..]; m = m[.., ..(int)k, ..]; v = v[.., ..(int)k, ..];
                }
                lrScale = _shLrScale[.., ..(int)k, ..];
            }
            m.mul_(Beta1).add_(grad, alpha: 1 - Beta1);
            v.mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
            var update = (v / bc2).sqrt_().add_(_eps).reciprocal_().mul_(m).mul_(_lr[s] / bc1);
            if (lrScale is not null) update.mul_(lrScale);
            param.sub_(update);
        }
    }

    /// <summary>
    /// Mirrors a topology change of the scene: keeps the rows where <paramref name="keep"/> is true (in order) and
    /// appends <paramref name="appended"/> rows of zero moments.
    /// </summary>
    public void Rebuild(Tensor keep, long appended)
    {
        using var scope = NewDisposeScope();
        for (int s = 0; s < SlotCount; s++)
        {
            _m[s] = Regather(_m[s], keep, appended);
            _v[s] = Regather(_v[s], keep, appended);
        }
    }

    private static Tensor Regather(Tensor t, Tensor keep, long appended)
    {
        var shape = t.shape.ToArray();
        shape[0] = appended;
        var fresh = cat([t[keep], zeros(shape, dtype: t.dtype)], 0).DetachFromDisposeScope();
        t.Dispose();
        return fresh;
    }

    /// <summary>Zeroes the moments of the rows <paramref name="rows"/> (int64 indices) in every slot.</summary>
    public void ZeroRows(Tensor rows)
    {
        using var noGrad = no_grad();
        for (int s = 0; s < SlotCount; s++)
        {
            _m[s].index_fill_(0, rows, 0);
            _v[s].index_fill_(0, rows, 0);
        }
    }

    /// <summary>Zeroes the moments of one slot (after the opacity reset, as the reference does).</summary>
    public void ResetSlot(int slot)
    {
        _m[slot].zero_();
        _v[slot].zero_();
    }

    public void Dispose()
    {
        for (int s = 0; s < SlotCount; s++) { _m[s]?.Dispose(); _v[s]?.Dispose(); }
        _shLrScale.Dispose();
    }
}
