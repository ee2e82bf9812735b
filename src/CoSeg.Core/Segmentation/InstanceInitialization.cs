namespace CoSeg.Segmentation;

/// <summary>Instance mode: how each view's ids get their first output channels, before the field can be matched against.</summary>
public enum InstanceInitialization
{
    /// <summary>
    /// <see cref="Consensus"/> for the shared-decoder CoSeg field, <see cref="Field"/> for the per-Gaussian baseline
    /// (its random initial logits already differ per Gaussian, and it memorises a consensus's mistakes during the
    /// warm-up: on the small benchmark scene its mIoU dropped with it).
    /// </summary>
    Auto,
    /// <summary>
    /// Match against the untrained field's rendered identities. With a shared decoder these are nearly the same
    /// everywhere, so the first associations are arbitrary and can lock in disagreeing ids across views.
    /// </summary>
    Field,
    /// <summary>
    /// Geometric consensus: views are associated one after another against the ids already lifted onto the
    /// Gaussians by the views before them (through the cached blending weights), then refined against all other views.
    /// Needs no trained field; the field is matched against only after the <see cref="SegmentOptions.AssociationWarmup"/>
    /// fraction of the steps, so it first learns the consensus and then corrects it.
    /// </summary>
    Consensus,
}
