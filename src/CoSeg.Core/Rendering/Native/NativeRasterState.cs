namespace CoSeg.Rendering.Native;

/// <summary>
/// What a native forward pass saved for its backward pass (projections, sorted tile lists, per-pixel final
/// transmittance and last index). Disposing hands the native buffers back to the backend for reuse.
/// </summary>
internal sealed class NativeRasterState : IDisposable
{
    private IntPtr _handle;

    internal NativeRasterState(NativeRasterizerBackend owner, IntPtr handle, long count, int channels, int width, int height)
    {
        Owner = owner; _handle = handle; Count = count; Channels = channels; Width = width; Height = height;
    }

    internal NativeRasterizerBackend Owner { get; }
    internal IntPtr Handle => _handle;
    internal long Count { get; }
    internal int Channels { get; }
    internal int Width { get; }
    internal int Height { get; }

    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero) Owner.ReturnState(h);
        GC.SuppressFinalize(this);
    }

    ~NativeRasterState()
    {
        // Not returned to the pool from the finalizer thread; just freed.
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero) NativeMethods.StateDestroy(h);
    }
}
