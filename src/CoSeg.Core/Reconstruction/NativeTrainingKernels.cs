using System.Runtime.InteropServices;
using CoSeg.Rendering;
using CoSeg.Rendering.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// P/Invoke of the training kernels of libcoseg_native (native/include/coseg/coseg_train.h): the fused Adam step and
/// the fused L1 + SSIM loss with its gradient. <see cref="Available"/> is false when the library cannot be loaded; the
/// callers then use their TorchSharp path.
/// </summary>
internal static unsafe partial class NativeTrainingKernels
{
    private const string Lib = "coseg_native";

    [StructLayout(LayoutKind.Sequential)]
    internal struct AdamGroup
    {
        public IntPtr Param, Grad, M, V;
        public long Rows;
        public int RowLength, ActiveLength, RestFrom;
        public float Lr, LrRest;
        public int Pad;
    }

    [LibraryImport(Lib, EntryPoint = "coseg_adam_step")]
    private static partial int AdamStepNative(AdamGroup* groups, int count, long step, double beta1, double beta2, double eps, int threads);

    [LibraryImport(Lib, EntryPoint = "coseg_l1_ssim")]
    private static partial int L1SsimNative(int height, int width, int channels, IntPtr pred, IntPtr target, double lambda,
                                            IntPtr grad, double* output, int threads);

    private static readonly Lazy<bool> Probe = new(() => RasterizerBackends.NativeAvailable());

    /// <summary>Whether libcoseg_native is loaded (and of the expected ABI).</summary>
    public static bool Available => Probe.Value;

    /// <summary>True when <paramref name="t"/> can be handed to the native kernels by pointer.</summary>
    public static bool Fits(Tensor t) => t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous();

    /// <summary>One fused Adam step over <paramref name="groups"/> (pointers must stay valid for the call).</summary>
    public static void AdamStep(ReadOnlySpan<AdamGroup> groups, long step, double beta1, double beta2, double eps)
    {
        fixed (AdamGroup* g = groups)
            NativeMethods.Check(AdamStepNative(g, groups.Length, step, beta1, beta2, eps, 0), "Adam step");
    }

    /// <summary>
    /// L = (1−λ)·L1 + λ·(1−SSIM) of two H×W×C float32 images; writes dL/dpred into <paramref name="grad"/> (same shape,
    /// or null) and returns the loss, L1, SSIM and MSE.
    /// </summary>
    public static (double Loss, double L1, double Ssim, double Mse) L1Ssim(Tensor pred, Tensor target, double lambda, Tensor? grad)
    {
        if (pred.dim() != 3 || !pred.shape.SequenceEqual(target.shape) || (grad is not null && !grad.shape.SequenceEqual(pred.shape)))
            throw new ArgumentException("pred, target and grad must be H×W×C images of one shape.");
        if (!Fits(pred) || !Fits(target) || (grad is not null && !Fits(grad)))
            throw new ArgumentException("pred, target and grad must be contiguous float32 CPU tensors.");
        double* o = stackalloc double[4];
        NativeMethods.Check(L1SsimNative((int)pred.shape[0], (int)pred.shape[1], (int)pred.shape[2], NativeMethods.DataPointer(pred),
            NativeMethods.DataPointer(target), lambda, grad is null ? IntPtr.Zero : NativeMethods.DataPointer(grad), o, 0), "L1+SSIM loss");
        return (o[0], o[1], o[2], o[3]);
    }
}
