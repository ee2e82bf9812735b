using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace CoSeg.Rendering.Ilgpu;

/// <summary>
/// The ILGPU context and accelerator the rasterizer runs on: the first CUDA device when present, else the CPU
/// accelerator configured for 256-thread groups (16×16 tiles; the default CPU device allows only 16).
/// </summary>
internal sealed class IlgpuDevice : IDisposable
{
    public IlgpuDevice(bool preferCuda = true)
    {
        Context = Context.Create(b =>
        {
            if (preferCuda) b.Cuda();
            // Every emulated thread is an OS thread and barriers wake them all, so the CPU device uses small groups
            // (16 threads, each owning 16 pixels of a tile) and one multiprocessor per core.
            b.CPU(new CPUDevice(CpuThreadsPerTile, 1, Math.Max(1, Environment.ProcessorCount)));
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
        while (threads > Accelerator.MaxNumThreadsPerGroup || (IsCpu && threads > CpuThreadsPerTile)) threads /= 2;
        if (threads < 1) throw new NotSupportedException($"ILGPU device '{Accelerator.Name}' cannot run grouped kernels.");
        ThreadsPerTile = threads;
    }

    /// <summary>Threads per tile group on the CPU accelerator.</summary>
    public const int CpuThreadsPerTile = 16;

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
