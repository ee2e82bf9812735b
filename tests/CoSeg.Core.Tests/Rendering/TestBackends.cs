using CoSeg.Rendering;
using CoSeg.Rendering.Ilgpu;
using CoSeg.Tests.Native;

namespace CoSeg.Tests.Rendering;

/// <summary>The backend variants the cross-backend tests run: each registered backend plus the kernel variants behind them.</summary>
internal static class TestBackends
{
    private static readonly Lazy<IlgpuRasterizer> GroupKernels = new(() => new() { UseGroupKernels = true });

    /// <summary>"native", "native-baseline" (no AVX2), "ilgpu" (one-thread-per-tile kernels), "ilgpu-group" (the GPU kernels), "reference".</summary>
    public static IRasterizerBackend Get(string name) => name switch
    {
        "native" => NativeBackends.Get(false),
        "native-baseline" => NativeBackends.Get(true),
        "ilgpu-group" => GroupKernels.Value,
        _ => RasterizerBackends.Get(name),
    };
}
