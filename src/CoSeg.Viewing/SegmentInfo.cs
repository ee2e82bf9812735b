namespace CoSeg.Viewing;

/// <summary>One segment of a <see cref="ViewerScene"/>.</summary>
/// <param name="Id">Segment identity (as in the segmentation / the PLY's <c>label</c> property).</param>
/// <param name="Count">Number of Gaussians with this identity.</param>
/// <param name="MeanConfidence">Mean identity confidence of its Gaussians, or null when unknown.</param>
/// <param name="Color">Display colour (sRGB bytes) used by the viewer.</param>
public sealed record SegmentInfo(int Id, int Count, float? MeanConfidence, (byte R, byte G, byte B) Color);
