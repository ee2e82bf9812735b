using CoSeg.Geometry;
using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// One posed training or evaluation image: a camera and a loader returning the RGB image (H×W×3 float32 in [0,1],
/// background already composited) and optionally its alpha (H×W). The loader is called once and the tensors are cached
/// by the trainer. The returned tensors are handed over: the trainer disposes them, so return fresh ones.
/// </summary>
/// <param name="Camera">The view's camera (image size must match the loaded image).</param>
/// <param name="Load">Loads the image as fresh tensors that the trainer takes over.</param>
public sealed record TrainingView(Camera Camera, Func<(Tensor Rgb, Tensor? Alpha)> Load)
{
    /// <summary>
    /// Optional loader of the view's valid-pixel mask (H×W float32, 1 = use, 0 = exclude: an undistorted lens's
    /// border or a mask file). Excluded pixels contribute nothing to the L1 term and are replaced by the render in the
    /// SSIM term. Called once; the trainer takes the tensor over.
    /// </summary>
    public Func<Tensor?>? LoadValidMask { get; init; }
}

/// <summary>Everything the trainer needs from a dataset.</summary>
/// <param name="Views">Training views.</param>
/// <param name="Points">Optional sparse points (N×3) for initialisation; null = random initialisation.</param>
/// <param name="PointColors">Optional colours of <paramref name="Points"/> (N×3 in [0,1]).</param>
/// <param name="Background">Background colour the images were composited on (3 values).</param>
/// <param name="IsNerfSynthetic">True for Blender/NeRF-synthetic scenes (random init in the reference's cube at the origin).</param>
public sealed record TrainingData(IReadOnlyList<TrainingView> Views, Tensor? Points, Tensor? PointColors,
                                  float[] Background, bool IsNerfSynthetic)
{
    /// <summary>Where the dataset's format says the content is (see <see cref="CoSeg.Data.SceneDataset.ContentCube"/>); random init fills it.</summary>
    public CoSeg.Data.SceneCube? ContentCube { get; init; }
}
