namespace CoSeg.Rendering.Ilgpu;

/// <summary>
/// Element range of a grid-stride kernel: thread <c>i</c> of a launch of <see cref="Stride"/> threads handles elements
/// i, i + Stride, … below <see cref="Count"/>. GPUs launch one thread per element (Stride = Count); the CPU accelerator
/// launches a few threads per core, because each emulated thread group it schedules costs a thread synchronisation.
/// </summary>
internal struct GridStride
{
    public int Count, Stride;

    /// <summary>The range for <paramref name="count"/> elements and the number of threads to launch for it.</summary>
    public static GridStride For(long count, bool cpu, out int launch)
    {
        int n = checked((int)count);
        launch = cpu ? Math.Max(1, Math.Min(n, CpuThreads)) : Math.Max(1, n);
        return new GridStride { Count = n, Stride = launch };
    }

    /// <summary>Threads a CPU-accelerator launch uses: enough per core to balance uneven elements (tiles).</summary>
    private static readonly int CpuThreads = 64 * Math.Max(1, Environment.ProcessorCount);
}
