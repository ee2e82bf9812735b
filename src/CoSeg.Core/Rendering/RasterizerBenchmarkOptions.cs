namespace CoSeg.Rendering;

/// <summary>What <see cref="RasterizerBenchmark.Run"/> measures: a generated splat scene and how often to time it.</summary>
public sealed record RasterizerBenchmarkOptions
{
    /// <summary>Gaussians in the generated scene (≥ 0).</summary>
    public int Gaussians { get; init; } = 10_000;
    /// <summary>Image width in pixels (≥ 1).</summary>
    public int Width { get; init; } = 256;
    /// <summary>Image height in pixels (≥ 1).</summary>
    public int Height { get; init; } = 256;
    /// <summary>Channels blended per pixel (≥ 1).</summary>
    public int Channels { get; init; } = 3;
    /// <summary>Timed repetitions of each measurement (≥ 1); the median is reported.</summary>
    public int Repeats { get; init; } = 10;
    /// <summary>After timing, this many extra forward+backward calls whose resident-memory growth is reported (0 = none).</summary>
    public int LeakCalls { get; init; }
    /// <summary>Seed of the generated scene.</summary>
    public int Seed { get; init; } = 1;

    internal void Validate()
    {
        if (Gaussians < 0) throw new ArgumentOutOfRangeException(nameof(Gaussians), $"Gaussians must be ≥ 0, got {Gaussians}.");
        if (Width < 1 || Height < 1) throw new ArgumentOutOfRangeException(nameof(Width), $"Width and Height must be ≥ 1, got {Width}×{Height}.");
        if (Channels < 1) throw new ArgumentOutOfRangeException(nameof(Channels), $"Channels must be ≥ 1, got {Channels}.");
        if (Repeats < 1) throw new ArgumentOutOfRangeException(nameof(Repeats), $"Repeats must be ≥ 1, got {Repeats}.");
        if (LeakCalls < 0) throw new ArgumentOutOfRangeException(nameof(LeakCalls), $"LeakCalls must be ≥ 0, got {LeakCalls}.");
    }
}
