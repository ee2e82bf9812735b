using CoSeg.Geometry;

namespace CoSeg.Rendering.Ilgpu;

/// <summary>Camera, image and settings constants passed by value to every kernel.</summary>
internal struct KernelParams
{
    public float R00, R01, R02, R10, R11, R12, R20, R21, R22, T0, T1, T2;
    public float Fx, Fy, Cx, Cy, LimXp, LimXn, LimYp, LimYn, Near, Far, LowPass;
    public int Width, Height, TilesX, TilesY, Channels;
    /// <summary>Threads per 16×16 tile group (a power of two ≤ 256; each thread owns 256 / ThreadsPerTile pixels).</summary>
    public int ThreadsPerTile;

    public static KernelParams Create(Camera camera, RasterSettings settings, int channels, int threadsPerTile = RasterKernels.GroupSize)
    {
        var v = camera.ViewMatrix3x4();
        double tanX = 0.5 * camera.Width / camera.Fx, tanY = 0.5 * camera.Height / camera.Fy;
        return new KernelParams
        {
            R00 = v[0], R01 = v[1], R02 = v[2], T0 = v[3],
            R10 = v[4], R11 = v[5], R12 = v[6], T1 = v[7],
            R20 = v[8], R21 = v[9], R22 = v[10], T2 = v[11],
            Fx = (float)camera.Fx, Fy = (float)camera.Fy, Cx = (float)camera.Cx, Cy = (float)camera.Cy,
            LimXp = (float)((camera.Width - camera.Cx) / camera.Fx + 0.3 * tanX),
            LimXn = (float)(camera.Cx / camera.Fx + 0.3 * tanX),
            LimYp = (float)((camera.Height - camera.Cy) / camera.Fy + 0.3 * tanY),
            LimYn = (float)(camera.Cy / camera.Fy + 0.3 * tanY),
            Near = settings.NearPlane, Far = settings.FarPlane, LowPass = settings.LowPassFilter,
            Width = camera.Width, Height = camera.Height,
            TilesX = (camera.Width + RasterKernels.TileSize - 1) / RasterKernels.TileSize,
            TilesY = (camera.Height + RasterKernels.TileSize - 1) / RasterKernels.TileSize,
            Channels = channels,
            ThreadsPerTile = threadsPerTile,
        };
    }
}
