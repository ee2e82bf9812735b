using System.Runtime.InteropServices;
using CoSeg.Rendering;
using CoSeg.Rendering.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// P/Invoke of the training kernels of libcoseg_native (native/include/coseg/coseg_train.h): the fused Adam step
/// (the fused L1 + SSIM loss is <see cref="Evaluation.NativeImageLoss"/>). <see cref="Available"/> is false when the library cannot be loaded; the
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
}
