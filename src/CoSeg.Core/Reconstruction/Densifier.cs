using CoSeg.Gaussians;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>What one densification step did.</summary>
/// <param name="Cloned">Gaussians duplicated (small, large gradient).</param>
/// <param name="Split">Gaussians replaced by samples (large, large gradient).</param>
/// <param name="Pruned">Gaussians removed (transparent or too big), after cloning and splitting.</param>
/// <param name="Count">Gaussians after the step.</param>
public sealed record DensifyReport(long Cloned, long Split, long Pruned, long Count);

/// <summary>
/// The reference adaptive density control on a <see cref="GaussianScene"/>: clone small Gaussians and split large ones
/// whose averaged view-space gradient is large, then prune transparent and oversized ones; plus the opacity reset.
/// Adam moments follow every row change (new rows start at zero).
/// </summary>
internal static class Densifier
{
    /// <summary>Parameters of one densification step.</summary>
    internal sealed record Settings(double GradThreshold, double PercentDense, double Extent, int SplitCount,
                                    double MinOpacity, double? MaxWorldSize, double? MaxScreenRadius);

    public static DensifyReport DensifyAndPrune(GaussianScene scene, GaussianAdam? adam, DensificationStats stats,
                                                Settings s, Generator? generator)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long n = scene.Count;
        var grads = stats.AverageGrad();
        var maxScale = scene.LogScales.exp().amax(1);
        var big = grads.ge(s.GradThreshold);
        double limit = s.PercentDense * s.Extent;
        var cloneMask = big.logical_and(maxScale.le(limit));
        var splitMask = big.logical_and(maxScale.gt(limit));
        long nClone = cloneMask.sum().item<long>(), nSplit = splitMask.sum().item<long>();

        var p = GaussianAdam.Parameters(scene);
        // New rows: clones are exact copies; each split Gaussian becomes SplitCount samples drawn from itself.
        var splitIdx = splitMask.nonzero().flatten();
        var rep = splitIdx.repeat(s.SplitCount);
        var sScales = scene.LogScales[rep].exp();
        var sample = randn(sScales.shape, generator: generator) * sScales;
        var rot = QuaternionToMatrix(scene.Rotations[rep]);
        var sMeans = matmul(rot, sample.unsqueeze(-1)).squeeze(-1) + scene.Means[rep];
        var sLogScales = (sScales / (0.8 * s.SplitCount)).log();

        Tensor[] added =
        [
            cat([p[0][cloneMask], sMeans], 0),
            cat([p[1][cloneMask], sLogScales], 0),
            cat([p[2][cloneMask], p[2][rep]], 0),
            cat([p[3][cloneMask], p[3][rep]], 0),
            cat([p[4][cloneMask], p[4][rep]], 0),
        ];
        long appended = nClone + nSplit * s.SplitCount;
        var keepOld = splitMask.logical_not();
        Apply(scene, adam, keepOld, added, appended);

        // Prune on the grown set (new rows have no radius history).
        var opac = scene.OpacityLogits.sigmoid();
        var prune = opac.lt(s.MinOpacity);
        if (s.MaxWorldSize is { } ws) prune = prune.logical_or(scene.LogScales.exp().amax(1).gt(ws));
        if (s.MaxScreenRadius is { } sr)
        {
            var radii = cat([stats.MaxRadii[keepOld], zeros(appended)], 0);
            prune = prune.logical_or(radii.gt(sr));
        }
        long nPrune = prune.sum().item<long>();
        if (nPrune > 0)
        {
            var keep = prune.logical_not();
            Apply(scene, adam, keep, null, 0);
        }
        stats.Reset(scene.Count);
        return new DensifyReport(nClone, nSplit, nPrune, scene.Count);
    }

    /// <summary>Keeps rows where <paramref name="keep"/> is true and appends <paramref name="added"/> (per slot, may be null).</summary>
    internal static void Apply(GaussianScene scene, GaussianAdam? adam, Tensor keep, Tensor[]? added, long appended)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var p = GaussianAdam.Parameters(scene);
        var fresh = new Tensor[GaussianAdam.SlotCount];
        for (int i = 0; i < fresh.Length; i++)
        {
            var kept = p[i][keep];
            var t = added is null ? kept.clone() : cat([kept, added[i]], 0);
            fresh[i] = t.contiguous().requires_grad_(p[i].requires_grad).DetachFromDisposeScope();
        }
        scene.Replace(fresh[0], fresh[1], fresh[2], fresh[3], fresh[4]);
        adam?.Rebuild(keep, appended);
    }

    /// <summary>Sets every opacity to min(opacity, <paramref name="maxOpacity"/>) and zeroes the opacity moments.</summary>
    public static void ResetOpacity(GaussianScene scene, GaussianAdam? adam, double maxOpacity = 0.01)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double logit = Math.Log(maxOpacity / (1 - maxOpacity));
        scene.OpacityLogits.clamp_max_(logit);
        adam?.ResetSlot(GaussianAdam.Opacities);
    }

    /// <summary>Rotation matrices (N×3×3) of quaternions (w, x, y, z), normalised first.</summary>
    internal static Tensor QuaternionToMatrix(Tensor q)
    {
        var u = q / q.norm(1, keepdim: true);
        var w = u[.., 0]; var x = u[.., 1]; var y = u[.., 2]; var z = u[.., 3];
        var rows = stack(
        [
            1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
            2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
            2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
        ], 1);
        return rows.reshape(-1, 3, 3);
    }
}
