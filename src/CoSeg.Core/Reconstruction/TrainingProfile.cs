using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CoSeg.Reconstruction;

/// <summary>Stages of one training iteration, as <see cref="TrainingProfile"/> times them.</summary>
public enum TrainingStage
{
    /// <summary>Picking the view, its target image and background.</summary>
    Data,
    /// <summary>Spherical-harmonics colours (forward) and parameter activations.</summary>
    ShForward,
    /// <summary>Rasterizer forward pass.</summary>
    RasterForward,
    /// <summary>L1 + SSIM loss and its image gradient.</summary>
    Loss,
    /// <summary>Rasterizer backward pass (and, on the autograd path, everything else autograd runs).</summary>
    RasterBackward,
    /// <summary>SH backward and the chain rule through the activations.</summary>
    ShBackward,
    /// <summary>Densification statistics (view-space gradient norms, radii).</summary>
    DensifyStats,
    /// <summary>Adam update of every parameter group.</summary>
    Optimizer,
    /// <summary>Densification / pruning / opacity reset / relocation (the strategy's step).</summary>
    Densify,
    /// <summary>Progress reporting and bookkeeping.</summary>
    Progress,
}

/// <summary>
/// Cumulative wall time per <see cref="TrainingStage"/> over a training run (Stopwatch timestamps; always on, a few
/// tens of nanoseconds per stage). A snapshot comes with every <see cref="ReconstructProgress"/>.
/// </summary>
public sealed class TrainingProfile
{
    private static readonly int StageCount = Enum.GetValues<TrainingStage>().Length;
    private readonly long[] _ticks;

    /// <summary>An empty profile.</summary>
    public TrainingProfile() => _ticks = new long[StageCount];

    private TrainingProfile(long[] ticks, int iterations)
    {
        _ticks = ticks;
        Iterations = iterations;
    }

    /// <summary>Iterations recorded.</summary>
    public int Iterations { get; internal set; }

    /// <summary>Total seconds spent in <paramref name="stage"/>.</summary>
    public double Seconds(TrainingStage stage) => _ticks[(int)stage] / (double)Stopwatch.Frequency;

    /// <summary>Total seconds over all stages.</summary>
    public double TotalSeconds => _ticks.Sum() / (double)Stopwatch.Frequency;

    /// <summary>Adds the time since <paramref name="since"/> to <paramref name="stage"/> and returns the current timestamp.</summary>
    internal long Lap(TrainingStage stage, long since)
    {
        long now = Stopwatch.GetTimestamp();
        _ticks[(int)stage] += now - since;
        return now;
    }

    /// <summary>The time spent between <paramref name="earlier"/> and this snapshot (e.g. to leave out a warm-up).</summary>
    public TrainingProfile Minus(TrainingProfile earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return new TrainingProfile(_ticks.Zip(earlier._ticks, (a, b) => a - b).ToArray(), Iterations - earlier.Iterations);
    }

    /// <summary>A copy (the trainer keeps updating its own).</summary>
    public TrainingProfile Snapshot() => new((long[])_ticks.Clone(), Iterations);

    /// <summary>A table: stage, ms per iteration, share of the iteration.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        double total = TotalSeconds;
        int its = Math.Max(1, Iterations);
        sb.AppendLine(inv, $"{"stage",-16} {"ms/it",9} {"share",7}");
        foreach (var s in Enum.GetValues<TrainingStage>())
        {
            double sec = Seconds(s);
            sb.AppendLine(inv, $"{s,-16} {1000 * sec / its,9:F2} {(total > 0 ? 100 * sec / total : 0),6:F1}%");
        }
        sb.Append(inv, $"{"total",-16} {1000 * total / its,9:F2} {100.0,6:F1}%  ({its} iterations, {its / Math.Max(total, 1e-9):F1} it/s)");
        return sb.ToString();
    }
}
