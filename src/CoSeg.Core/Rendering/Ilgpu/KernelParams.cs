namespace CoSeg.Rendering.Ilgpu;

/// <summary>
/// Launch constants passed by value to every kernel: the <see cref="ProjectionParams"/> fields copied into a blittable
/// struct (kernels cannot take a class), plus the channel count and group shape.
/// </summary>
internal struct KernelParams
{
    public float R00, R01, R02, R10, R11, R12, R20, R21, R22, T0, T1, T2;
    public float Fx, Fy, Cx, Cy, LimXp, LimXn, LimYp, LimYn, Near, Far, LowPass;
    public int Width, Height, TilesX, TilesY, Channels;
    /// <summary>Threads per 16×16 tile group (a power of two ≤ 256; each thread owns 256 / ThreadsPerTile pixels).</summary>
    public int ThreadsPerTile;

    public static KernelParams Create(ProjectionParams view, int channels, int threadsPerTile = RasterKernels.GroupSize)
    {
        var v = view.View;
        return new KernelParams
        {
            R00 = v[0], R01 = v[1], R02 = v[2], T0 = v[3],
            R10 = v[4], R11 = v[5], R12 = v[6], T1 = v[7],
            R20 = v[8], R21 = v[9], R22 = v[10], T2 = v[11],
            Fx = view.Fx, Fy = view.Fy, Cx = view.Cx, Cy = view.Cy,
            LimXp = view.LimXp, LimXn = view.LimXn, LimYp = view.LimYp, LimYn = view.LimYn,
            Near = view.Near, Far = view.Far, LowPass = view.LowPass,
            Width = view.Width, Height = view.Height, TilesX = view.TilesX, TilesY = view.TilesY,
            Channels = channels,
            ThreadsPerTile = threadsPerTile,
        };
    }
}
