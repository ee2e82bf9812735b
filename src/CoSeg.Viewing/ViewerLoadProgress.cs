namespace CoSeg.Viewing;

/// <summary>Progress of a scene that is still loading while the viewer already serves its page.</summary>
/// <param name="Fraction">0–1.</param>
/// <param name="Stage">What is happening, e.g. "reading scene.ply".</param>
public sealed record ViewerLoadProgress(double Fraction, string Stage);
