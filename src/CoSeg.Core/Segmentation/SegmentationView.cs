using CoSeg.Geometry;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// One posed training (or test) view for segmentation: its name (matched against label file names), camera, and
/// RGB image (H×W×3 float32 in [0, 1] at the camera's size; needed by feature extractors and model label sources).
/// The view does not own the image tensor.
/// </summary>
/// <param name="Name">View name, usually the image file name without extension.</param>
/// <param name="Camera">The camera of the view.</param>
/// <param name="Image">H×W×3 float32 RGB in [0, 1], or null when only label files are used.</param>
public sealed record SegmentationView(string Name, Camera Camera, Tensor? Image)
{
    /// <summary>
    /// Optional valid-pixel mask (H×W, 1 = use): label pixels outside it (an undistorted lens's border, mask files)
    /// are treated as unlabelled (id 0). The caller owns the tensor.
    /// </summary>
    public Tensor? ValidMask { get; init; }
}
