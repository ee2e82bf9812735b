namespace CoSeg.Viewing;

/// <summary>What a click picked: the pixel's top-contributor Gaussian and its segment.</summary>
/// <param name="Gaussian">Index of the Gaussian with the largest blending weight α·T at the pixel.</param>
/// <param name="Weight">That blending weight (0–1).</param>
/// <param name="SegmentId">The Gaussian's segment identity, or null when the scene has no segments.</param>
/// <param name="SegmentCount">Number of Gaussians in that segment (0 without segments).</param>
/// <param name="Confidence">The Gaussian's identity confidence when the segmentation provides one, else null.</param>
public sealed record SegmentPick(int Gaussian, float Weight, int? SegmentId, int SegmentCount, float? Confidence);
