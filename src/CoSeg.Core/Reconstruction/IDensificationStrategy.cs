using CoSeg.Gaussians;
using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// How the trainer grows, prunes and moves Gaussians (gsplat's <c>strategy/</c> is the model): the reference adaptive
/// density control (<see cref="DefaultDensificationStrategy"/>) or MCMC relocation under a fixed budget
/// (<see cref="McmcDensificationStrategy"/>). A strategy instance holds per-run state; the trainer calls it from one
/// thread. Implemented in this library only (the hooks see internal trainer state).
/// </summary>
public interface IDensificationStrategy
{
    /// <summary>Short name ("default", "mcmc").</summary>
    string Name { get; }

    /// <summary>Largest number of Gaussians the strategy allows (null = unbounded).</summary>
    long? MaxGaussians { get; }

    /// <summary>Called once before the first iteration (may shrink the scene to a budget).</summary>
    internal void Begin(StrategyContext context);

    /// <summary>Whether this iteration's view-space gradients should be accumulated into <see cref="StrategyContext.Stats"/>.</summary>
    internal bool WantsStatistics(StrategyContext context, int iteration);

    /// <summary>
    /// Adds the strategy's regularisers to the parameter gradients (slots as <see cref="GaussianAdam"/>: log-scales,
    /// opacity logits) and returns the value they add to the loss (0 when none).
    /// </summary>
    internal double AddRegularizerGradients(StrategyContext context, Tensor gradLogScales, Tensor gradOpacityLogits);

    /// <summary>Runs after the optimizer step of <paramref name="iteration"/>: densify, prune, reset, relocate, add noise.</summary>
    internal void AfterStep(StrategyContext context, int iteration);
}

/// <summary>What a strategy may read and change during training.</summary>
internal sealed class StrategyContext
{
    public StrategyContext(GaussianScene scene, GaussianAdam adam, DensificationStats stats, ReconstructOptions options,
                           double extent, Generator generator, bool whiteBackground)
    {
        Scene = scene; Adam = adam; Stats = stats; Options = options; Extent = extent; Generator = generator; WhiteBackground = whiteBackground;
    }

    public GaussianScene Scene { get; }
    public GaussianAdam Adam { get; }
    public DensificationStats Stats { get; }
    public ReconstructOptions Options { get; }
    /// <summary>Scene extent (camera radius × 1.1, as the reference).</summary>
    public double Extent { get; }
    public Generator Generator { get; }
    public bool WhiteBackground { get; }
    /// <summary>The last densification report (null before the first).</summary>
    public DensifyReport? LastReport { get; set; }
}
