namespace CoSeg.Reconstruction;

/// <summary>
/// Settings of the 3D Gaussian Splatting trainer. Defaults are the reference (Inria) recipe; iteration numbers of the
/// schedule (densification window and interval, opacity reset, SH increase) are multiplied by <see cref="ScheduleScale"/>
/// so short CPU runs can use a compressed schedule.
/// </summary>
public sealed record ReconstructOptions
{
    /// <summary>Number of optimisation steps (one training view per step). Reference: 30 000 (7 000 for the short run).</summary>
    public int Iterations { get; init; } = 30_000;
    /// <summary>Multiplier applied to every schedule iteration number below (1 = reference schedule).</summary>
    public double ScheduleScale { get; init; } = 1.0;
    /// <summary>Rasterizer backend: auto | ilgpu | native | reference.</summary>
    public string Backend { get; init; } = "auto";
    /// <summary>Seed of every random choice (initialisation, view order, split samples, random backgrounds).</summary>
    public int Seed { get; init; }
    /// <summary>Maximum spherical-harmonics degree (0–3).</summary>
    public int ShDegree { get; init; } = 3;
    /// <summary>The active SH degree is raised by one every this many iterations (reference 1 000).</summary>
    public int ShIncreaseInterval { get; init; } = 1000;

    /// <summary>Number of random initial points when the dataset has no sparse point cloud (reference 100 000).</summary>
    public int InitPoints { get; init; } = 100_000;
    /// <summary>
    /// Half side of the random-initialisation cube, centred at the origin. Null: 1.3 (the reference's cube of side 2.6)
    /// for NeRF-synthetic data, otherwise 0.3 × the camera radius around the camera centroid.
    /// </summary>
    public double? RandomInitHalfSide { get; init; }
    /// <summary>Initial opacity of every Gaussian (reference 0.1).</summary>
    public double InitialOpacity { get; init; } = 0.1;

    /// <summary>Position learning rate at the start, multiplied by the scene extent (reference 1.6e-4).</summary>
    public double PositionLrInit { get; init; } = 1.6e-4;
    /// <summary>Position learning rate at the end, multiplied by the scene extent (reference 1.6e-6).</summary>
    public double PositionLrFinal { get; init; } = 1.6e-6;
    /// <summary>Steps over which the position rate decays log-linearly; null = <see cref="Iterations"/>.</summary>
    public int? PositionLrMaxSteps { get; init; }
    /// <summary>Learning rate of the SH DC coefficients (reference 2.5e-3).</summary>
    public double FeatureLr { get; init; } = 2.5e-3;
    /// <summary>Divisor of <see cref="FeatureLr"/> for the higher SH coefficients (reference 20).</summary>
    public double FeatureRestDivisor { get; init; } = 20.0;
    /// <summary>
    /// Learning rate of the opacity logits. We use 0.025 (the current reference trainer; the original paper code used
    /// 0.05, which converges a little faster but is less stable after opacity resets).
    /// </summary>
    public double OpacityLr { get; init; } = 0.025;
    /// <summary>Learning rate of the log-scales (reference 5e-3).</summary>
    public double ScalingLr { get; init; } = 5e-3;
    /// <summary>Learning rate of the quaternions (reference 1e-3).</summary>
    public double RotationLr { get; init; } = 1e-3;
    /// <summary>Adam ε (the reference uses 1e-15).</summary>
    public double AdamEpsilon { get; init; } = 1e-15;

    /// <summary>Weight λ of the D-SSIM term: L = (1−λ)·L1 + λ·(1−SSIM) (reference 0.2).</summary>
    public double SsimWeight { get; init; } = 0.2;
    /// <summary>Use a random background colour each iteration (the target is re-composited with it when alpha is known).</summary>
    public bool RandomBackground { get; init; }

    /// <summary>First iteration at which densification may run (reference 500).</summary>
    public int DensifyFrom { get; init; } = 500;
    /// <summary>Densification stops at this iteration (reference 15 000).</summary>
    public int DensifyUntil { get; init; } = 15_000;
    /// <summary>Densify every this many iterations (reference 100).</summary>
    public int DensifyInterval { get; init; } = 100;
    /// <summary>
    /// Threshold on the averaged view-space position-gradient norm, in NDC units (pixel gradient × (W/2, H/2)),
    /// above which a Gaussian is cloned or split (reference 0.0002).
    /// </summary>
    public double DensifyGradThreshold { get; init; } = 0.0002;
    /// <summary>Gaussians with max scale ≤ this × extent are cloned, larger ones split (reference 0.01).</summary>
    public double PercentDense { get; init; } = 0.01;
    /// <summary>Number of samples a split Gaussian becomes (reference 2); their scales are divided by 0.8·N.</summary>
    public int SplitCount { get; init; } = 2;
    /// <summary>Prune Gaussians with opacity below this (reference 0.005).</summary>
    public double MinOpacity { get; init; } = 0.005;
    /// <summary>After the first opacity reset, prune Gaussians whose max scale exceeds this × extent (reference 0.1).</summary>
    public double PruneWorldSizeFraction { get; init; } = 0.1;
    /// <summary>
    /// After the first opacity reset, prune Gaussians whose screen radius since the last densification exceeded this many
    /// pixels. Null (default) disables it, matching what the reference trainers effectively do (Inria resets the radii
    /// before testing them; gsplat disables it by default); the reference value is 20.
    /// </summary>
    public double? PruneScreenSizePixels { get; init; }
    /// <summary>Opacities are reset to at most 0.01 every this many iterations (reference 3 000).</summary>
    public int OpacityResetInterval { get; init; } = 3000;

    /// <summary>
    /// An opacity reset is skipped when fewer than this many iterations (scaled by <see cref="ScheduleScale"/>) would remain
    /// to recover from it (default 500). The reference schedule never resets near its end (resets stop at iteration
    /// 15 000 of 30 000); this guard keeps short or rescaled runs from ending on nearly transparent Gaussians.
    /// </summary>
    public int MinIterationsAfterOpacityReset { get; init; } = 500;

    /// <summary>Iteration number of the schedule after <see cref="ScheduleScale"/>, at least 1.</summary>
    internal int Scaled(int iterations) => Math.Max(1, (int)Math.Round(iterations * ScheduleScale));

    /// <summary>Validates every field; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        static void Positive(double v, string name)
        {
            if (!(v > 0) || double.IsInfinity(v)) throw new ArgumentOutOfRangeException(name, $"ReconstructOptions.{name} must be positive and finite, got {v}.");
        }
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), $"ReconstructOptions.Iterations must be ≥ 1, got {Iterations}.");
        Positive(ScheduleScale, nameof(ScheduleScale));
        if (ShDegree is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(ShDegree), $"ReconstructOptions.ShDegree must be 0–3, got {ShDegree}.");
        if (InitPoints < 1) throw new ArgumentOutOfRangeException(nameof(InitPoints), $"ReconstructOptions.InitPoints must be ≥ 1, got {InitPoints}.");
        if (!(InitialOpacity is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(InitialOpacity), $"ReconstructOptions.InitialOpacity must be in (0,1), got {InitialOpacity}.");
        if (RandomInitHalfSide is { } hs) Positive(hs, nameof(RandomInitHalfSide));
        Positive(PositionLrInit, nameof(PositionLrInit)); Positive(PositionLrFinal, nameof(PositionLrFinal));
        Positive(FeatureLr, nameof(FeatureLr)); Positive(FeatureRestDivisor, nameof(FeatureRestDivisor));
        Positive(OpacityLr, nameof(OpacityLr)); Positive(ScalingLr, nameof(ScalingLr)); Positive(RotationLr, nameof(RotationLr));
        Positive(AdamEpsilon, nameof(AdamEpsilon));
        if (!(SsimWeight is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(SsimWeight), $"ReconstructOptions.SsimWeight must be in [0,1], got {SsimWeight}.");
        Positive(ShIncreaseInterval, nameof(ShIncreaseInterval)); Positive(DensifyInterval, nameof(DensifyInterval));
        Positive(OpacityResetInterval, nameof(OpacityResetInterval));
        if (MinIterationsAfterOpacityReset < 0) throw new ArgumentOutOfRangeException(nameof(MinIterationsAfterOpacityReset), $"ReconstructOptions.MinIterationsAfterOpacityReset must be ≥ 0, got {MinIterationsAfterOpacityReset}.");
        Positive(DensifyGradThreshold, nameof(DensifyGradThreshold)); Positive(PercentDense, nameof(PercentDense));
        if (SplitCount < 1) throw new ArgumentOutOfRangeException(nameof(SplitCount), $"ReconstructOptions.SplitCount must be ≥ 1, got {SplitCount}.");
        if (!(MinOpacity is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(MinOpacity), $"ReconstructOptions.MinOpacity must be in [0,1), got {MinOpacity}.");
        Positive(PruneWorldSizeFraction, nameof(PruneWorldSizeFraction));
        if (PruneScreenSizePixels is { } px) Positive(px, nameof(PruneScreenSizePixels));
        if (PositionLrMaxSteps is < 1) throw new ArgumentOutOfRangeException(nameof(PositionLrMaxSteps), "ReconstructOptions.PositionLrMaxSteps must be ≥ 1.");
        if (string.IsNullOrWhiteSpace(Backend)) throw new ArgumentException("ReconstructOptions.Backend must name a backend.", nameof(Backend));
        Rendering.RasterizerBackends.Resolve(Backend, nameof(Backend));
    }
}
