using System.Runtime.InteropServices;

namespace CoSeg.Rendering.Native;

/// <summary>Camera and settings as the C ABI of libcoseg_native expects them (coseg_camera).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeCamera
{
    public int Width, Height;
    public float Fx, Fy, Cx, Cy;
    public fixed float ViewMatrix[12];
    public float NearPlane, FarPlane, LowPass;
    public float LimXp, LimXn, LimYp, LimYn;
}

/// <summary>P/Invoke declarations for libcoseg_native (native/include/coseg/coseg_native.h).</summary>
internal static unsafe partial class NativeMethods
{
    private const string Lib = "coseg_native";

    /// <summary>The ABI version this managed code was written against.</summary>
    public const int ExpectedAbiVersion = 2;
    /// <summary>coseg_context_create flag: never use the AVX2 kernels.</summary>
    public const int ForceBaseline = 1;

    [LibraryImport(Lib, EntryPoint = "coseg_abi_version")]
    public static partial int AbiVersion();

    [LibraryImport(Lib, EntryPoint = "coseg_context_create")]
    public static partial IntPtr ContextCreate(int threads, int flags);

    [LibraryImport(Lib, EntryPoint = "coseg_context_destroy")]
    public static partial void ContextDestroy(IntPtr ctx);

    [LibraryImport(Lib, EntryPoint = "coseg_context_uses_avx2")]
    public static partial int ContextUsesAvx2(IntPtr ctx);

    [LibraryImport(Lib, EntryPoint = "coseg_state_create")]
    public static partial IntPtr StateCreate();

    [LibraryImport(Lib, EntryPoint = "coseg_state_destroy")]
    public static partial void StateDestroy(IntPtr state);

    [LibraryImport(Lib, EntryPoint = "coseg_forward")]
    public static partial int Forward(IntPtr ctx, IntPtr state, NativeCamera* cam, long n, int channels,
        IntPtr means, IntPtr scales, IntPtr quats, IntPtr opacities, IntPtr colors, float* background,
        IntPtr outColors, IntPtr outAlpha, IntPtr outDepth, IntPtr outRadii);

    [LibraryImport(Lib, EntryPoint = "coseg_backward")]
    public static partial int Backward(IntPtr ctx, IntPtr state, NativeCamera* cam, long n, int channels,
        IntPtr means, IntPtr scales, IntPtr quats, IntPtr opacities, IntPtr colors, float* background,
        IntPtr gradColors, IntPtr gradAlpha, IntPtr gradDepth,
        IntPtr gMeans, IntPtr gScales, IntPtr gQuats, IntPtr gOpacities, IntPtr gColors, IntPtr gMeans2d);

    [LibraryImport(Lib, EntryPoint = "coseg_backward_channels")]
    public static partial int BackwardChannels(IntPtr ctx, IntPtr state, NativeCamera* cam, long n, int channels,
        IntPtr gradColors, IntPtr gColors);

    [LibraryImport(Lib, EntryPoint = "coseg_unproject")]
    public static partial int Unproject(IntPtr ctx, NativeCamera* cam, long n, int channels,
        IntPtr means, IntPtr scales, IntPtr quats, IntPtr opacities, IntPtr pixelFeatures,
        IntPtr featureSums, IntPtr weightSums);

    [LibraryImport(Lib, EntryPoint = "coseg_sh_forward")]
    public static partial int ShForward(int threads, long n, int k, int degree, IntPtr means, IntPtr sh,
        float* camPos, IntPtr outRgb);

    [LibraryImport(Lib, EntryPoint = "coseg_sh_backward")]
    public static partial int ShBackward(int threads, long n, int k, int degree, IntPtr means, IntPtr sh,
        float* camPos, IntPtr gradRgb, IntPtr gSh, IntPtr gMeans);

    // TorchSharp's own native bridge (already loaded by TorchSharp): the tensor's data pointer, no copy.
    [LibraryImport("LibTorchSharp", EntryPoint = "THSTensor_data")]
    private static partial IntPtr THSTensorData(IntPtr tensorHandle);

    /// <summary>Address of the first element of a (contiguous) tensor's storage.</summary>
    public static IntPtr DataPointer(TorchSharp.torch.Tensor t)
    {
        var p = THSTensorData(t.Handle);
        if (p == IntPtr.Zero) throw new InvalidOperationException("Could not read the tensor's data pointer.");
        return p;
    }

    /// <summary>Turns a native return code into an exception naming the call and the problem (no-op for 0).</summary>
    public static void Check(int rc, string call)
    {
        if (rc == 0) return;
        throw rc switch
        {
            -1 => new ArgumentException($"libcoseg_native {call}: invalid argument (null pointer, bad size or bad camera)."),
            -2 => new OutOfMemoryException($"libcoseg_native {call}: out of memory."),
            -3 => new InvalidOperationException($"libcoseg_native {call}: too many (tile, Gaussian) pairs (more than 2^32)."),
            -4 => new InvalidOperationException($"libcoseg_native {call}: the saved forward state does not match this call (different scene size, channels or camera)."),
            -10 => new ArgumentException($"{call}: tensor 'Means' contains NaN or infinite values.", "Means"),
            -11 => new ArgumentException($"{call}: tensor 'Scales' contains NaN or infinite values.", "Scales"),
            -12 => new ArgumentException($"{call}: tensor 'Quats' contains NaN or infinite values.", "Quats"),
            -13 => new ArgumentException($"{call}: tensor 'Opacities' contains NaN or infinite values.", "Opacities"),
            -14 => new ArgumentException($"{call}: tensor 'Colors' contains NaN or infinite values.", "Colors"),
            -15 => new ArgumentException($"{call}: tensor 'pixelFeatures' contains NaN or infinite values.", "pixelFeatures"),
            _ => new InvalidOperationException($"libcoseg_native {call} failed with code {rc}."),
        };
    }
}
