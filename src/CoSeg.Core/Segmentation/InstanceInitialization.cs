namespace CoSeg.Segmentation;

/// <summary>Instance mode: how each view's ids get their first output channels, before the field can be matched against.</summary>
public enum InstanceInitialization
{
    /// <summary>
    /// Match against the untrained field's rendered identities (default). With a shared decoder these are nearly the
    /// same everywhere, so the first associations can be arbitrary and lock in disagreeing ids across views (seen on
    /// small scenes with few pixels per object).
    /// </summary>
    Field,
    /// <summary>
    /// Geometric consensus: views are associated one after another against the ids already lifted onto the Gaussians
    /// by the views before them (through the cached blending weights), then refined against all other views. Needs no
    /// trained field; the field is matched against only after the <see cref="SegmentOptions.AssociationWarmup"/>
    /// fraction of the steps, so it first learns the consensus and then corrects it. On the synthetic benchmark it
    /// helps small scenes and the per-Gaussian baseline, but cost the CoSeg field accuracy under heavy label noise,
    /// so it is opt-in (see docs/pipeline.md for the measurements).
    /// </summary>
    Consensus,
}
