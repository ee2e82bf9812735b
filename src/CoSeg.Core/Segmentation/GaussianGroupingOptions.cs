namespace CoSeg.Segmentation;

/// <summary>Which training recipe the per-Gaussian baseline (<see cref="SegmentationMethod.PerGaussian"/>) uses.</summary>
public enum PerGaussianRecipe
{
    /// <summary>
    /// Gaussian Grouping's recipe (Ye et al., ECCV 2024, public code lkeab/gaussian-grouping): a learnable identity
    /// encoding per Gaussian and one linear classifier, pixel cross-entropy normalised by ln K, and its 3D regulariser —
    /// every few steps, the KL divergence between sampled Gaussians' class distributions and their k nearest neighbours',
    /// divided by K and weighted (see <see cref="GaussianGroupingOptions"/>).
    /// </summary>
    GaussianGrouping,
    /// <summary>Free K logits per Gaussian, plain cross-entropy, no 3D term (<see cref="SegmentOptions.PerGaussianLearningRate"/>).</summary>
    Bare,
}

/// <summary>
/// Settings of the <see cref="PerGaussianRecipe.GaussianGrouping"/> baseline; the defaults are Gaussian Grouping's
/// published defaults (identity dimension 16, Adam lr 0.0025 for the encodings as its feature lr and 5e-4 for the
/// classifier, 3D term weight 2 with k = 5 neighbours on 1000 sampled Gaussians every 2 steps). Gaussian Grouping trains
/// 30,000 steps jointly with the geometry; here the geometry is frozen and <see cref="SegmentOptions.Iterations"/> applies.
/// </summary>
/// <remarks>
/// Gaussian Grouping renders the encodings and applies its 1×1 classifier to the rendered map; here the classifier is
/// applied per Gaussian and the logits are rendered. Both are the same linear map except for the classifier's bias,
/// which the rendered form scales by the pixel's accumulated opacity (≥ <see cref="SegmentOptions.MinPixelAlpha"/> on
/// trained pixels). Its k nearest neighbours include the point itself; ours are k other Gaussians.
/// </remarks>
public sealed record GaussianGroupingOptions
{
    /// <summary>Length of each Gaussian's identity encoding.</summary>
    public int IdentityDimensions { get; init; } = 16;
    /// <summary>Adam learning rate of the identity encodings.</summary>
    public double EncodingLearningRate { get; init; } = 0.0025;
    /// <summary>Adam learning rate of the linear classifier.</summary>
    public double ClassifierLearningRate { get; init; } = 5e-4;
    /// <summary>Weight λ of the 3D regulariser (applied to KL / K).</summary>
    public double RegularizerWeight { get; init; } = 2.0;
    /// <summary>Neighbours k per sampled Gaussian in the 3D regulariser.</summary>
    public int RegularizerNeighbors { get; init; } = 5;
    /// <summary>Gaussians sampled per regularised step.</summary>
    public int RegularizerSamples { get; init; } = 1000;
    /// <summary>The 3D regulariser is added every this many steps.</summary>
    public int RegularizerInterval { get; init; } = 2;

    internal void Validate()
    {
        if (IdentityDimensions < 1) throw new ArgumentOutOfRangeException(nameof(IdentityDimensions), $"IdentityDimensions must be ≥ 1, got {IdentityDimensions}.");
        if (!(EncodingLearningRate > 0) || !(ClassifierLearningRate > 0))
            throw new ArgumentOutOfRangeException(nameof(EncodingLearningRate), "Gaussian Grouping learning rates must be > 0.");
        if (!(RegularizerWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(RegularizerWeight), $"RegularizerWeight must be ≥ 0, got {RegularizerWeight}.");
        if (RegularizerNeighbors < 1 || RegularizerSamples < 1 || RegularizerInterval < 1)
            throw new ArgumentOutOfRangeException(nameof(RegularizerNeighbors), "Gaussian Grouping regulariser neighbours, samples and interval must be ≥ 1.");
    }
}
