using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// The reference (Inria) adaptive density control: between <see cref="ReconstructOptions.DensifyFrom"/> and
/// <see cref="ReconstructOptions.DensifyUntil"/>, every <see cref="ReconstructOptions.DensifyInterval"/> iterations
/// clone / split Gaussians with a large averaged view-space gradient and prune transparent (and, after the first
/// opacity reset, oversized) ones; reset opacities every <see cref="ReconstructOptions.OpacityResetInterval"/>.
/// Its settings are the densification fields of <see cref="ReconstructOptions"/> (schedule scaled by
/// <see cref="ReconstructOptions.ScheduleScale"/>).
/// </summary>
public sealed class DefaultDensificationStrategy : IDensificationStrategy
{
    /// <inheritdoc />
    public string Name => "default";

    /// <inheritdoc />
    public long? MaxGaussians => null;

    void IDensificationStrategy.Begin(StrategyContext context) { }

    bool IDensificationStrategy.WantsStatistics(StrategyContext c, int it) => InWindow(c.Options, it);

    double IDensificationStrategy.AddRegularizerGradients(StrategyContext context, Tensor gradLogScales, Tensor gradOpacityLogits) => 0;

    void IDensificationStrategy.AfterStep(StrategyContext c, int it)
    {
        var o = c.Options;
        if (!InWindow(o, it)) return;
        int densFrom = o.Scaled(o.DensifyFrom), densEvery = o.Scaled(o.DensifyInterval), resetEvery = o.Scaled(o.OpacityResetInterval);
        if (it > densFrom && it % densEvery == 0)
        {
            bool afterReset = it > resetEvery;
            c.LastReport = Densifier.DensifyAndPrune(c.Scene, c.Adam, c.Stats, new Densifier.Settings(
                o.DensifyGradThreshold, o.PercentDense, c.Extent, o.SplitCount, o.MinOpacity,
                afterReset ? o.PruneWorldSizeFraction * c.Extent : null,
                afterReset ? o.PruneScreenSizePixels : null), c.Generator);
        }
        bool roomToRecover = o.Iterations - it >= (o.MinIterationsAfterOpacityReset == 0 ? 0 : o.Scaled(o.MinIterationsAfterOpacityReset));
        if (roomToRecover && (it % resetEvery == 0 || (c.WhiteBackground && it == densFrom)))
            Densifier.ResetOpacity(c.Scene, c.Adam);
    }

    private static bool InWindow(ReconstructOptions o, int it) => it < o.Scaled(o.DensifyUntil) && it < o.Iterations;
}
