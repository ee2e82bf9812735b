using static TorchSharp.torch;

namespace CoSeg.Data;

/// <summary>
/// One loaded view image: <see cref="Rgb"/> (H×W×3 float32 in [0, 1], RGBA sources already composited on the dataset's
/// background) and, when the source had an alpha channel, <see cref="Alpha"/> (H×W float32 in [0, 1]).
/// The caller owns the tensors; dispose the image to release them.
/// </summary>
public sealed class SceneImage : IDisposable
{
    /// <summary>Wraps tensors (taken over, not copied) after checking their shapes.</summary>
    public SceneImage(Tensor rgb, Tensor? alpha)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        if (rgb.ndim != 3 || rgb.shape[2] != 3)
            throw new ArgumentException($"rgb must be H×W×3, got [{string.Join(",", rgb.shape)}].", nameof(rgb));
        if (alpha is not null && (alpha.ndim != 2 || alpha.shape[0] != rgb.shape[0] || alpha.shape[1] != rgb.shape[1]))
            throw new ArgumentException($"alpha must be H×W = [{rgb.shape[0]},{rgb.shape[1]}], got [{string.Join(",", alpha.shape)}].", nameof(alpha));
        Rgb = rgb; Alpha = alpha;
    }

    /// <summary>Colour, H×W×3 float32 in [0, 1].</summary>
    public Tensor Rgb { get; }
    /// <summary>Opacity mask, H×W float32 in [0, 1], or null when the source has no alpha.</summary>
    public Tensor? Alpha { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width => (int)Rgb.shape[1];
    /// <summary>Image height in pixels.</summary>
    public int Height => (int)Rgb.shape[0];

    /// <inheritdoc />
    public void Dispose() { Rgb.Dispose(); Alpha?.Dispose(); }
}
