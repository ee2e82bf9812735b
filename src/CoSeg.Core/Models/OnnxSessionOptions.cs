namespace CoSeg.Models;

/// <summary>Where ONNX Runtime runs a model.</summary>
public enum OnnxExecutionProvider
{
    /// <summary>The CPU provider that ships with the <c>Microsoft.ML.OnnxRuntime</c> package CoSeg.Core depends on.</summary>
    Cpu,
    /// <summary>
    /// NVIDIA CUDA: needs the GPU build of the runtime (the application references <c>Microsoft.ML.OnnxRuntime.Gpu</c>,
    /// see docs/models.md) and a CUDA/cuDNN install; loading fails with <see cref="InvalidOperationException"/> otherwise.
    /// </summary>
    Cuda,
}

/// <summary>ONNX Runtime session settings shared by every ONNX-backed model of the library.</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Threads used inside one operator (null = ONNX Runtime's default: one per physical core).</summary>
    public int? IntraOpThreads { get; init; }
    /// <summary>Threads used to run independent operators in parallel (null = ONNX Runtime's default).</summary>
    public int? InterOpThreads { get; init; }
    /// <summary>The execution provider (default CPU).</summary>
    public OnnxExecutionProvider Provider { get; init; } = OnnxExecutionProvider.Cpu;
    /// <summary>CUDA device ordinal when <see cref="Provider"/> is <see cref="OnnxExecutionProvider.Cuda"/>.</summary>
    public int CudaDeviceId { get; init; }

    internal void Validate()
    {
        if (IntraOpThreads is < 0) throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), $"IntraOpThreads must be ≥ 0 (0 = default), got {IntraOpThreads}.");
        if (InterOpThreads is < 0) throw new ArgumentOutOfRangeException(nameof(InterOpThreads), $"InterOpThreads must be ≥ 0 (0 = default), got {InterOpThreads}.");
        if (CudaDeviceId < 0) throw new ArgumentOutOfRangeException(nameof(CudaDeviceId), $"CudaDeviceId must be ≥ 0, got {CudaDeviceId}.");
        if (!Enum.IsDefined(Provider)) throw new ArgumentOutOfRangeException(nameof(Provider), $"unknown execution provider {Provider}.");
    }
}
