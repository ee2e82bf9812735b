namespace CoSeg.Rendering;

/// <summary>Options of <see cref="Rasterizer.Render"/> and <see cref="Rasterizer.RenderChannels"/>.</summary>
public sealed class RenderOptions
{
    /// <summary>Numerical conventions (near/far planes, low-pass filter, background).</summary>
    public RasterSettings Settings { get; init; } = new();

    /// <summary>Backend: "auto" (native when built, else ILGPU), "ilgpu", "native" or "reference" (dense, small images only).</summary>
    public string Backend { get; init; } = "auto";

    /// <summary>SH degree used for colours; null = the scene's degree. Must not exceed the scene's degree.</summary>
    public int? ActiveShDegree { get; init; }
}
