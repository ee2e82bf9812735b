namespace CoSeg.Segmentation.Benchmark;

/// <summary>
/// Rates of the view-inconsistent corruptions zero-shot 2D segmenters make; every rate is a per-view, per-segment
/// probability unless noted.
/// </summary>
public sealed record LabelNoiseOptions
{
    /// <summary>Instance mode: each view's ids are randomly permuted/renumbered (ids mean nothing across views).</summary>
    public bool PermuteIds { get; init; }
    /// <summary>A segment takes the id of a neighbouring segment it touches in the view (under-segmentation).</summary>
    public double MergeRate { get; init; }
    /// <summary>A large segment is cut by a random line through its centre; one side gets another id (over-segmentation).</summary>
    public double SplitRate { get; init; }
    /// <summary>A whole segment gets a random wrong class (semantic confusion, e.g. "chair" vs "sofa").</summary>
    public double RelabelRate { get; init; }
    /// <summary>A segment is missing (set to 0 = ignore).</summary>
    public double DropRate { get; init; }
    /// <summary>Maximum boundary error in pixels: each segment is dilated over its neighbours or eroded by 1..this.</summary>
    public int BoundaryPixels { get; init; }

    /// <summary>Clean labels.</summary>
    public static LabelNoiseOptions None { get; } = new();
    /// <summary>Mild noise.</summary>
    public static LabelNoiseOptions Low { get; } = new() { MergeRate = 0.05, SplitRate = 0.05, RelabelRate = 0.05, DropRate = 0.05, BoundaryPixels = 1 };
    /// <summary>Typical zero-shot noise.</summary>
    public static LabelNoiseOptions Default { get; } = new() { MergeRate = 0.15, SplitRate = 0.15, RelabelRate = 0.1, DropRate = 0.1, BoundaryPixels = 2 };
    /// <summary>Heavy noise.</summary>
    public static LabelNoiseOptions High { get; } = new() { MergeRate = 0.3, SplitRate = 0.3, RelabelRate = 0.2, DropRate = 0.2, BoundaryPixels = 3 };

    /// <summary>The named level none|low|default|high.</summary>
    public static LabelNoiseOptions FromName(string name) => name switch
    {
        "none" => None,
        "low" => Low,
        "default" => Default,
        "high" => High,
        _ => throw new ArgumentException($"unknown noise level '{name}' (expected none|low|default|high).", nameof(name)),
    };
}
