using CoSeg.Geometry;

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
