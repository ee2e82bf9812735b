namespace CoSeg.Rendering;

/// <summary>A registered rasterizer backend, as <see cref="Rasterizer.Backends"/> lists it.</summary>
/// <param name="Name">The name that options such as <c>--backend</c> accept.</param>
/// <param name="Description">What it is and when to use it.</param>
/// <param name="Available">Whether it can run in this process.</param>
/// <param name="UnavailableReason">Why not, when <paramref name="Available"/> is false.</param>
public sealed record RasterizerBackendInfo(string Name, string Description, bool Available, string? UnavailableReason);
