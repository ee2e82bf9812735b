using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Raw (zero-shot, view-inconsistent) 2D labels for training views: an int64 label image H×W at the view's camera
/// size where 0 means "ignore". In semantic mode ids must be &lt; the number of classes K.
/// </summary>
public interface ILabelSource
{
    /// <summary>
    /// The label image of <paramref name="view"/>, or null when this source has no labels for it (the segmenter
    /// then skips the view and counts a warning). Throws for malformed labels (wrong size, unreadable file).
    /// </summary>
    Tensor? GetLabels(SegmentationView view);
}
