namespace CoSeg.Rendering;

/// <summary>Numerical conventions of the rasterizer (the reference 3DGS / gsplat values by default).</summary>
public sealed record RasterSettings
{
    /// <summary>Gaussians with camera-space depth ≤ this are culled.</summary>
    public float NearPlane { get; init; } = 0.01f;
    /// <summary>Gaussians with camera-space depth ≥ this are culled.</summary>
    public float FarPlane { get; init; } = 1e10f;
    /// <summary>Low-pass filter added to the diagonal of every 2D covariance, in px².</summary>
    public float LowPassFilter { get; init; } = 0.3f;
    /// <summary>
    /// Background added as <c>T_final · background</c>, one value per channel, or null for zero.
    /// Its length must equal the channel count.
    /// </summary>
    public float[]? Background { get; init; }
}
