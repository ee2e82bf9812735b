namespace CoSeg.Rendering;

/// <summary>One backend's timings from <see cref="RasterizerBenchmark.Run"/>.</summary>
/// <param name="Backend">The backend's name as it reports it (e.g. "native"), or the requested name when skipped.</param>
/// <param name="Skipped">Why the backend was not timed (unavailable, or too large for the dense reference); null when timed.</param>
/// <param name="ForwardMsMedian">Median forward time in milliseconds (NaN when skipped).</param>
/// <param name="ForwardBackwardMsMedian">Median forward + backward time in milliseconds (NaN when skipped).</param>
/// <param name="UsesAvx2">For the native backend: whether its AVX2 kernels run; null for the others.</param>
/// <param name="ResidentGrowthKib">Resident-memory growth over <see cref="RasterizerBenchmarkOptions.LeakCalls"/> calls in KiB; null when not measured.</param>
public sealed record RasterizerBenchmarkResult(string Backend, string? Skipped, double ForwardMsMedian, double ForwardBackwardMsMedian,
                                               bool? UsesAvx2, long? ResidentGrowthKib)
{
    /// <summary>(pixel, Gaussian) blends of one forward pass of the scene (the same for every backend); null without the native library.</summary>
    public long? Blends { get; init; }

    /// <summary>Forward blends per second, in billions (against ≈ 10 G/s for two AVX2 cores: ~10 flops and one exp per blend).</summary>
    public double? ForwardGigaBlendsPerSecond => Blends is { } b && ForwardMsMedian > 0 ? b / (ForwardMsMedian * 1e-3) / 1e9 : null;

    /// <summary>Backward blends per second, in billions (backward time = forward + backward − forward).</summary>
    public double? BackwardGigaBlendsPerSecond => Blends is { } b && ForwardBackwardMsMedian > ForwardMsMedian
        ? b / ((ForwardBackwardMsMedian - ForwardMsMedian) * 1e-3) / 1e9 : null;
}
