namespace CoSeg.Segmentation;

/// <summary>How per-Gaussian identities are produced.</summary>
public enum SegmentationMethod
{
    /// <summary>CoSegGaussians: a decoder shared by all Gaussians, from unprojected and spatial features.</summary>
    CoSeg,
    /// <summary>Baseline (Gaussian Grouping style): a free learnable logit vector per Gaussian.</summary>
    PerGaussian,
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
