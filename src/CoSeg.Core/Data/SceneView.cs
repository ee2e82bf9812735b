using CoSeg.Geometry;
using static TorchSharp.torch;

namespace CoSeg.Data;

/// <summary>
/// One posed view of a dataset: its <see cref="Camera"/> (intrinsics at the resolution actually loaded), where its
/// image comes from, and a lazy loader. Each <see cref="LoadImage"/> call decodes afresh and returns tensors the
/// caller owns (cache them if a view is used repeatedly).
/// </summary>
public sealed class SceneView
{
    private readonly Func<SceneImage> _loader;

    /// <summary>Creates a view with a custom image loader (it must return an image of the camera's size).</summary>
    public SceneView(Camera camera, string? imagePath, Func<SceneImage> loader, bool hasAlpha = false)
    {
        Camera = camera ?? throw new ArgumentNullException(nameof(camera));
        _loader = loader ?? throw new ArgumentNullException(nameof(loader));
        ImagePath = imagePath;
        HasAlpha = hasAlpha;
    }

    /// <summary>The camera, OpenCV convention, intrinsics matching the loaded image size.</summary>
    public Camera Camera { get; }
    /// <summary>The image file, or null for views held in memory.</summary>
    public string? ImagePath { get; }
    /// <summary>Whether the source image has an alpha channel (then <see cref="SceneImage.Alpha"/> is set).</summary>
    public bool HasAlpha { get; }
    /// <summary>
    /// The camera model of the source images as the dataset declared it ("PINHOLE", "OPENCV", "OPENCV_FISHEYE", …).
    /// Distorted models are undistorted at load, so <see cref="Camera"/> is always an ideal pinhole.
    /// </summary>
    public string CameraModel { get; init; } = "PINHOLE";
    /// <summary>The lens distortion removed from the images at load, or null when the source images are pinhole.</summary>
    public LensDistortion? Distortion { get; init; }
    /// <summary>Whether the images are undistorted at load (see <see cref="Distortion"/>).</summary>
    public bool Undistorted => Distortion is not null;
    /// <summary>A per-pixel mask file (e.g. nerfstudio's <c>mask_path</c>) folded into <see cref="LoadValidMask"/>, or null.</summary>
    public string? MaskPath { get; init; }
    /// <summary>
    /// Loads the valid-pixel mask (see <see cref="LoadValidMask"/>); null when every pixel is valid. Set by the dataset
    /// readers for undistorted images and mask files.
    /// </summary>
    public Func<Tensor>? ValidMaskLoader { get; init; }
    /// <summary>Whether the view has a valid-pixel mask.</summary>
    public bool HasValidMask => ValidMaskLoader is not null;

    /// <summary>
    /// The pixels that may be used for losses and label scoring: H×W float32, 1 = valid, 0 = excluded (the border
    /// outside an undistorted lens's field of view, or pixels a mask file excludes); null when every pixel is valid.
    /// The caller owns the tensor.
    /// </summary>
    /// <exception cref="InvalidDataException">The mask does not match the camera size.</exception>
    public Tensor? LoadValidMask()
    {
        if (ValidMaskLoader is null) return null;
        var m = ValidMaskLoader();
        if (m.ndim != 2 || m.shape[0] != Camera.Height || m.shape[1] != Camera.Width)
        {
            string shape = string.Join(",", m.shape);
            m.Dispose();
            throw new InvalidDataException($"View '{Name}' ({MaskPath ?? ImagePath ?? "in memory"}): valid mask is [{shape}] but the camera expects [{Camera.Height},{Camera.Width}].");
        }
        return m;
    }

    /// <summary>View name (the camera's name, usually the image file name without extension).</summary>
    public string Name => Camera.Name ?? (ImagePath is null ? "" : Path.GetFileNameWithoutExtension(ImagePath));

    /// <summary>Loads the image (H×W×3 float32 in [0, 1], composited on the dataset background; alpha when present).</summary>
    /// <exception cref="InvalidDataException">The loaded image does not match the camera size.</exception>
    public SceneImage LoadImage()
    {
        var image = _loader();
        if (image.Width != Camera.Width || image.Height != Camera.Height)
        {
            int w = image.Width, h = image.Height;
            image.Dispose();
            throw new InvalidDataException($"View '{Name}' ({ImagePath ?? "in memory"}): loaded image is {w}×{h} but the camera expects {Camera.Width}×{Camera.Height}.");
        }
        return image;
    }

    /// <inheritdoc />
    public override string ToString() => $"View {Name} {Camera.Width}×{Camera.Height}";
}
