namespace CoSeg.Segmentation;

/// <summary>How per-Gaussian identities are produced.</summary>
public enum SegmentationMethod
{
    /// <summary>CoSegGaussians: a decoder shared by all Gaussians, from unprojected and spatial features.</summary>
    CoSeg,
    /// <summary>Baseline (Gaussian Grouping style): a free learnable logit vector per Gaussian.</summary>
    PerGaussian,
    /// <summary>
    /// Training-free baseline (as FlashSplat / LUDVIG): each Gaussian's identity is the argmax over 1..K−1 of its
    /// αT-weighted label histogram over all training views, h_g[k] = Σ_views Σ_p α_g(p)·T_g(p)·[label_p = k]. Label 0
    /// (ignore) and pixels whose rendered opacity is below <see cref="SegmentOptions.MinPixelAlpha"/> cast no vote (the
    /// same pixels training ignores), so a background that is labelled with its own id (e.g. 1 in fg/bg labels) is voted
    /// for like any class. A Gaussian no labelled pixel blends takes the majority of its
    /// <see cref="SegmentOptions.SpatialKlNeighbors"/> nearest voted neighbours (confidence 0), or identity 1 when they
    /// have no votes either. Instance mode votes on the consensus association (<see cref="InstanceInitialization.Consensus"/>).
    /// <see cref="SegmentOptions.Iterations"/> and the learning settings are not used.
    /// </summary>
    Vote,
}

/// <summary>What the raw label ids mean across views.</summary>
public enum LabelMode
{
    /// <summary>Ids are classes, consistent across views (id k ↦ output channel k).</summary>
    Semantic,
    /// <summary>Ids are per-view instance ids only; each view's ids are matched to output channels (Hungarian on overlap).</summary>
    Instance,
}

/// <summary>The noise-robust pixel loss on rendered logits.</summary>
public enum PixelLossKind
{
    /// <summary>Plain cross-entropy.</summary>
    CrossEntropy,
    /// <summary>Symmetric cross-entropy: CE + β·reverse-CE (Wang et al. 2019).</summary>
    SymmetricCrossEntropy,
    /// <summary>Generalized cross-entropy (1 − p_y^q)/q (Zhang &amp; Sabuncu 2018).</summary>
    GeneralizedCrossEntropy,
}
