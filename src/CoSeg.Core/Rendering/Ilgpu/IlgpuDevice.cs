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
            // 32-wide warps × 8 warps = one 256-thread group per emulated multiprocessor.
            b.CPU(new CPUDevice(32, 8, int.TryParse(Environment.GetEnvironmentVariable("COSEG_ILGPU_CPU_MP"), out var mp) ? mp : Math.Max(1, Environment.ProcessorCount / 2)));
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
        if (Accelerator.MaxNumThreadsPerGroup < RasterKernels.GroupSize)
            throw new NotSupportedException($"ILGPU device '{Accelerator.Name}' allows only {Accelerator.MaxNumThreadsPerGroup} threads per group; the rasterizer needs {RasterKernels.GroupSize}.");
    }

    public Context Context { get; }
    public Accelerator Accelerator { get; }
    public bool IsCpu => Accelerator.AcceleratorType == AcceleratorType.CPU;

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}
