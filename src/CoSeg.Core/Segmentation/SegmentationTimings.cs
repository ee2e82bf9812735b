namespace CoSeg.Segmentation;

/// <summary>
/// Where a segmentation spent its time (wall-clock seconds per stage) and memory. Stages a method does not run stay 0.
/// <see cref="LabelRenderingSeconds"/> keeps growing with every <see cref="SegmentationResult.RenderLogits"/> call.
/// </summary>
public sealed class SegmentationTimings
{
    /// <summary>Reading, validating and downscaling the raw labels, with each view's coverage (one render per view).</summary>
    public double LabelsSeconds { get; internal set; }
    /// <summary>Running the 2D feature extractor (CoSeg only).</summary>
    public double FeaturesSeconds { get; internal set; }
    /// <summary>Lifting the feature maps onto the Gaussians through the backend (CoSeg only).</summary>
    public double UnprojectionSeconds { get; internal set; }
    /// <summary>k-nearest-neighbour search over Gaussian centres and the spatial encoder.</summary>
    public double KnnSeconds { get; internal set; }
    /// <summary>Instance mode: cross-view association before training or voting (consensus start).</summary>
    public double AssociationSeconds { get; internal set; }
    /// <summary>Vote method: lifting the one-hot labels onto the Gaussians and deciding identities.</summary>
    public double VotingSeconds { get; internal set; }
    /// <summary>Training the field (CoSeg, per-Gaussian), re-associations included.</summary>
    public double TrainingSeconds { get; internal set; }
    /// <summary>Rendering label maps / logits from the result so far.</summary>
    public double LabelRenderingSeconds { get; internal set; }
    /// <summary>Wall-clock seconds of the whole segmentation (all stages above except label rendering).</summary>
    public double TotalSeconds { get; internal set; }
    /// <summary>Peak resident set of the process when the segmentation finished, bytes (managed + native; VmHWM on Linux).</summary>
    public long PeakResidentBytes { get; internal set; }
    /// <summary>Largest managed heap seen at the stage boundaries, bytes.</summary>
    public long PeakManagedBytes { get; internal set; }

    /// <summary>
    /// Where the training stage spent its time, seconds per part of the step (decoder forward, render forward, loss,
    /// 3D term, backward with the backend's channel backward inside, optimiser, ...); the parts add up to at most
    /// <see cref="TrainingSeconds"/> (the rest is per-step bookkeeping).
    /// </summary>
    public IReadOnlyDictionary<string, double> TrainingParts => _trainingParts;

    private readonly Dictionary<string, double> _trainingParts = new();

    internal void AddTrainingPart(string part, double seconds)
        => _trainingParts[part] = _trainingParts.GetValueOrDefault(part) + seconds;

    internal void SampleManaged() => PeakManagedBytes = Math.Max(PeakManagedBytes, Common.ProcessMemory.ManagedHeapBytes());
}
