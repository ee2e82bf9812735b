namespace CoSeg.Viewing.Server;

/// <summary>
/// Bounds the renders in flight: at most <c>concurrent</c> run, at most <c>queued</c> wait; any request beyond that is
/// refused at once (the caller answers 503), so a burst of requests cannot pile up frames in memory.
/// </summary>
internal sealed class RenderGate(int concurrent, int queued) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(concurrent, concurrent);
    private int _waiting;

    /// <summary>Runs <paramref name="work"/> on the thread pool when a slot is free; null when the queue is full.</summary>
    public async Task<T?> TryRunAsync<T>(Func<T> work, CancellationToken ct) where T : class
    {
        if (Interlocked.Increment(ref _waiting) > concurrent + queued)
        {
            Interlocked.Decrement(ref _waiting);
            return null;
        }
        try
        {
            await _slots.WaitAsync(ct).ConfigureAwait(false);
            try { return await Task.Run(work, ct).ConfigureAwait(false); }
            finally { _slots.Release(); }
        }
        finally { Interlocked.Decrement(ref _waiting); }
    }

    public void Dispose() => _slots.Dispose();
}
