using ILGPU;
using ILGPU.Runtime;

namespace CoSeg.Rendering.Ilgpu;

/// <summary>
/// Reuses accelerator buffers across calls: rentals are rounded up to a power of two and returned on release,
/// so steady-state rendering allocates nothing on the accelerator.
/// </summary>
internal sealed class BufferPool : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly Dictionary<(Type, long), Stack<MemoryBuffer>> _free = new();
    private readonly object _gate = new();

    public BufferPool(Accelerator accelerator) => _accelerator = accelerator;

    /// <summary>A buffer of at least <paramref name="length"/> elements (≥ 1) wrapped with its used length.</summary>
    public Lease<T> Rent<T>(long length) where T : unmanaged
    {
        long cap = 1;
        while (cap < Math.Max(1, length)) cap <<= 1;
        MemoryBuffer1D<T, Stride1D.Dense>? buf = null;
        lock (_gate)
        {
            if (_free.TryGetValue((typeof(T), cap), out var stack) && stack.Count > 0)
                buf = (MemoryBuffer1D<T, Stride1D.Dense>)stack.Pop();
        }
        buf ??= _accelerator.Allocate1D<T>(cap);
        return new Lease<T>(this, buf, length);
    }

    internal void Return(MemoryBuffer buffer, Type type, long capacity)
    {
        lock (_gate)
        {
            if (!_free.TryGetValue((type, capacity), out var stack)) _free[(type, capacity)] = stack = new Stack<MemoryBuffer>();
            stack.Push(buffer);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var s in _free.Values) foreach (var b in s) b.Dispose();
            _free.Clear();
        }
    }

    /// <summary>
    /// A view of host memory the caller keeps alive (a contiguous CPU tensor's storage), usable by CPU-accelerator
    /// kernels without a copy. <paramref name="owner"/>, when given, is disposed with the lease.
    /// </summary>
    public Lease<T> Wrap<T>(IntPtr data, long length, IDisposable? owner) where T : unmanaged
    {
        if (_accelerator.AcceleratorType != AcceleratorType.CPU) throw new InvalidOperationException("Only the CPU accelerator can wrap host memory.");
        // A 1-element dummy keeps views of empty tensors bindable.
        var buffer = length > 0
            ? ILGPU.Runtime.CPU.CPUMemoryBuffer.Create(_accelerator, data, length, System.Runtime.CompilerServices.Unsafe.SizeOf<T>())
            : (MemoryBuffer)_accelerator.Allocate1D<T>(1);
        return new Lease<T>(buffer, length, owner);
    }

    /// <summary>A rented buffer or wrapped host memory; <see cref="View"/> covers exactly the requested length.</summary>
    internal sealed class Lease<T> : IDisposable where T : unmanaged
    {
        private readonly BufferPool? _pool;
        private MemoryBuffer? _buffer;
        private IDisposable? _owner;

        public Lease(BufferPool pool, MemoryBuffer1D<T, Stride1D.Dense> buffer, long length)
        {
            _pool = pool; _buffer = buffer; Length = length;
        }

        internal Lease(MemoryBuffer wrapped, long length, IDisposable? owner)
        {
            _buffer = wrapped; Length = length; _owner = owner;
        }

        public long Length { get; }

        /// <summary>True when the view is host memory shared with a tensor (nothing to copy).</summary>
        public bool IsWrapped => _pool is null;

        /// <summary>The used part of the buffer (a 1-element view when the length is 0, so kernels can bind it).</summary>
        public ArrayView<T> View => _buffer!.AsArrayView<T>(0, Math.Max(1, Length));

        public void Dispose()
        {
            var b = Interlocked.Exchange(ref _buffer, null);
            if (b is null) return;
            if (_pool is not null) _pool.Return(b, typeof(T), b.LengthInBytes / System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
            else b.Dispose();
            Interlocked.Exchange(ref _owner, null)?.Dispose();
        }
    }
}
