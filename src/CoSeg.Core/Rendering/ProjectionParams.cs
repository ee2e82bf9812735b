using CoSeg.Geometry;

namespace CoSeg.Rendering;

/// <summary>
/// Everything the projection and blending maths needs about one view, derived once from a <see cref="Camera"/> and
/// <see cref="RasterSettings"/> (docs/rasterizer.md): world-to-camera [R|t], pinhole intrinsics, the clamp limits of
/// the perspective Jacobian, near/far planes, low-pass filter, tile grid and background. Every backend consumes this
/// value (the ILGPU kernels copy it into their launch constants, the native backend into <c>coseg_camera</c>, the
/// reference reads it directly), so no backend re-derives any of it.
/// </summary>
internal sealed record ProjectionParams
{
    /// <summary>Tile edge in pixels, the same in every backend.</summary>
    public const int TileSize = 16;

    /// <summary>Row-major 3×4 world-to-camera matrix [R|t].</summary>
    public required float[] View { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required float Fx { get; init; }
    public required float Fy { get; init; }
    public required float Cx { get; init; }
    public required float Cy { get; init; }
    /// <summary>Clamp limits of x/z and y/z for the Jacobian: 1.3 × the half field of view (as Inria/gsplat).</summary>
    public required float LimXp { get; init; }
    public required float LimXn { get; init; }
    public required float LimYp { get; init; }
    public required float LimYn { get; init; }
    public required float Near { get; init; }
    public required float Far { get; init; }
    public required float LowPass { get; init; }
    /// <summary>Per-channel background (T_final · background), or null for zero.</summary>
    public float[]? Background { get; init; }

    public int TilesX => (Width + TileSize - 1) / TileSize;
    public int TilesY => (Height + TileSize - 1) / TileSize;
    public int Pixels => Width * Height;

    /// <summary>The one place where camera + settings become projection constants.</summary>
    public static ProjectionParams Create(Camera camera, RasterSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(camera);
        settings ??= new RasterSettings();
        double tanX = 0.5 * camera.Width / camera.Fx, tanY = 0.5 * camera.Height / camera.Fy;
        return new ProjectionParams
        {
            View = camera.ViewMatrix3x4(),
            Width = camera.Width, Height = camera.Height,
            Fx = (float)camera.Fx, Fy = (float)camera.Fy, Cx = (float)camera.Cx, Cy = (float)camera.Cy,
            LimXp = (float)((camera.Width - camera.Cx) / camera.Fx + 0.3 * tanX),
            LimXn = (float)(camera.Cx / camera.Fx + 0.3 * tanX),
            LimYp = (float)((camera.Height - camera.Cy) / camera.Fy + 0.3 * tanY),
            LimYn = (float)(camera.Cy / camera.Fy + 0.3 * tanY),
            Near = settings.NearPlane, Far = settings.FarPlane, LowPass = settings.LowPassFilter,
            Background = settings.Background,
        };
    }

    /// <summary>The background for <paramref name="channels"/> channels (null = zero); throws when its length differs.</summary>
    public float[]? BackgroundFor(int channels)
    {
        if (Background is null) return null;
        if (Background.Length != channels)
            throw new ArgumentException($"RasterSettings.Background has {Background.Length} values but there are {channels} channels.", "settings");
        return Background;
    }
}
