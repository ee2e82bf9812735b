using System.Runtime.InteropServices;
using CoSeg.Rendering;
using CoSeg.Rendering.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Evaluation;

/// <summary>
/// The fused L1 + SSIM pass of libcoseg_native (coseg_l1_ssim in native/include/coseg/coseg_train.h): the reference
/// SSIM (11×11 Gaussian window, σ 1.5, zero padding, L = 1) as a separable filter in double precision, with the
/// gradient of L = (1−λ)·L1 + λ·(1−SSIM). Used by <see cref="Ssim.Compute"/> and the trainer's loss.
/// </summary>
internal static unsafe partial class NativeImageLoss
{
    [LibraryImport("coseg_native", EntryPoint = "coseg_l1_ssim")]
    private static partial int L1SsimNative(int height, int width, int channels, IntPtr pred, IntPtr target, double lambda,
                                            IntPtr grad, double* output, int threads);

    /// <summary>Whether libcoseg_native is loaded.</summary>
    public static bool Available => RasterizerBackends.NativeAvailable();

    /// <summary>True when <paramref name="t"/> can be handed over by pointer.</summary>
    public static bool Fits(Tensor t) => t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous();

    /// <summary>
    /// L = (1−λ)·L1 + λ·(1−SSIM) of two H×W×C (or H×W) float32 images; writes dL/dpred into <paramref name="grad"/>
    /// (same shape, or null) and returns the loss, L1, SSIM and MSE.
    /// </summary>
    public static (double Loss, double L1, double Ssim, double Mse) L1Ssim(Tensor pred, Tensor target, double lambda, Tensor? grad)
    {
        if (pred.dim() is not (2 or 3) || !pred.shape.SequenceEqual(target.shape) || (grad is not null && !grad.shape.SequenceEqual(pred.shape)))
            throw new ArgumentException("pred, target and grad must be H×W×C or H×W images of one shape.");
        if (!Fits(pred) || !Fits(target) || (grad is not null && !Fits(grad)))
            throw new ArgumentException("pred, target and grad must be contiguous float32 CPU tensors.");
        int c = pred.dim() == 3 ? (int)pred.shape[2] : 1;
        double* o = stackalloc double[4];
        NativeMethods.Check(L1SsimNative((int)pred.shape[0], (int)pred.shape[1], c, NativeMethods.DataPointer(pred),
            NativeMethods.DataPointer(target), lambda, grad is null ? IntPtr.Zero : NativeMethods.DataPointer(grad), o, 0), "L1+SSIM");
        return (o[0], o[1], o[2], o[3]);
    }
}
