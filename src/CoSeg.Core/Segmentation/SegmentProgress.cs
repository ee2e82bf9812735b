namespace CoSeg.Segmentation;

/// <summary>Progress of <see cref="Segmenter.SegmentAsync(CoSeg.Gaussians.GaussianScene, System.Collections.Generic.IReadOnlyList{SegmentationView}, ILabelSource, CoSeg.Features.IFeatureExtractor?, SegmentOptions, System.IProgress{SegmentProgress}?, System.Threading.CancellationToken)"/>.</summary>
/// <param name="Stage">"weights", "features", "spatial", "train" or "done".</param>
/// <param name="Step">Steps done in this stage.</param>
/// <param name="Total">Steps in this stage.</param>
/// <param name="Loss">Latest training loss (NaN outside training).</param>
public sealed record SegmentProgress(string Stage, int Step, int Total, double Loss);
