using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace CoSeg.Rendering.Ilgpu;

/// <summary>
/// The ILGPU context and accelerator the rasterizer runs on: the first CUDA device when present, else the CPU
/// accelerator with 2-thread groups (see <see cref="CpuThreadsPerWarp"/>).
/// </summary>
internal sealed class IlgpuDevice : IDisposable
{
    public IlgpuDevice(bool preferCuda = true)
    {
        Context = Context.Create(b =>
        {
            if (preferCuda) b.Cuda();
            // Every emulated thread is an OS thread and barriers wake them all, so the CPU device uses the smallest
            // groups and one multiprocessor per core; its kernels loop over elements (GridStride) and tiles
            // (TileSerialKernels) instead of launching one thread each.
            b.CPU(new CPUDevice(CpuThreadsPerWarp, 1, Math.Max(1, Environment.ProcessorCount)));
            b.EnableAlgorithms();
            b.Optimize(OptimizationLevel.O1);
        });
        Device? device = null;
        if (preferCuda)
        {
            try { var cuda = Context.GetCudaDevices(); if (cuda.Count > 0) device = cuda[0]; }
            catch (Exception) { device = null; } // no usable CUDA driver
        }
        if (device is null)
        {
            var mode = Environment.GetEnvironmentVariable("COSEG_ILGPU_CPU_MODE") switch
            {
                "sequential" => CPUAcceleratorMode.Sequential,
                "parallel" => CPUAcceleratorMode.Parallel,
                _ => CPUAcceleratorMode.Auto,
            };
            Accelerator = ((CPUDevice)Context.GetCPUDevice(0)).CreateCPUAccelerator(Context, mode);
        }
        else Accelerator = device.CreateAccelerator(Context);
        int threads = RasterKernels.GroupSize;
        while (threads > Accelerator.MaxNumThreadsPerGroup || (IsCpu && threads > CpuThreadsPerWarp)) threads /= 2;
        if (threads < 1) throw new NotSupportedException($"ILGPU device '{Accelerator.Name}' cannot run grouped kernels.");
        ThreadsPerTile = threads;
    }

    /// <summary>
    /// Threads per warp (and per group) on the CPU accelerator: 2, the smallest ILGPU accepts, because every emulated
    /// thread is an OS thread and every group start is a barrier across them (16 was 3–5× slower per launch).
    /// </summary>
    public const int CpuThreadsPerWarp = 2;

    /// <summary>Threads per 16×16 tile group: 256 on GPUs (one pixel each), fewer on the CPU accelerator.</summary>
    public int ThreadsPerTile { get; }

    public Context Context { get; }
    public Accelerator Accelerator { get; }
    public bool IsCpu => Accelerator.AcceleratorType == AcceleratorType.CPU;

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}
