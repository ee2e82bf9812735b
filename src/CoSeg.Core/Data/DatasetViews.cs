using CoSeg.Geometry;

namespace CoSeg.Data;

/// <summary>Shared pieces of the readers: file-backed views and the hold-out split.</summary>
internal static class DatasetViews
{
    /// <summary>A view whose image is read from <paramref name="path"/> and resampled to the camera size if needed.</summary>
    public static SceneView FromFile(Camera camera, string path, bool hasAlpha, float[] background)
        => new(camera, path, () => ImageFiles.Load(path, background, camera.Width, camera.Height), hasAlpha);

    /// <summary>Splits views: indices 0, every, 2·every, … to test, the rest to train (every = 0: all train).</summary>
    public static (List<SceneView> Train, List<SceneView> Test) HoldOut(IReadOnlyList<SceneView> views, int every)
    {
        var train = new List<SceneView>(); var test = new List<SceneView>();
        for (int i = 0; i < views.Count; i++) (every > 0 && i % every == 0 ? test : train).Add(views[i]);
        if (train.Count == 0) { train.AddRange(test); test.Clear(); } // a single image: keep it for training
        return (train, test);
    }

    /// <summary>Smallest accepted loaded view, in pixels per side (a 1×1 "image" cannot be trained or scored).</summary>
    public const int MinViewSide = 2;

    /// <summary>
    /// Target size for <paramref name="file"/> of size (w, h) downscaled by a factor (rounded as <see cref="Camera.Downscaled"/>).
    /// Refuses images, or downscale factors, that leave fewer than <see cref="MinViewSide"/> pixels on a side.
    /// </summary>
    /// <exception cref="InvalidDataException">The image file itself is smaller than <see cref="MinViewSide"/> on a side.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The downscale factor leaves fewer than <see cref="MinViewSide"/> pixels on a side.</exception>
    public static (int W, int H) Scaled(int w, int h, int factor, string file)
    {
        if (w < MinViewSide || h < MinViewSide)
            throw new InvalidDataException($"Image file {file}: {w}×{h} pixels is too small to use (at least {MinViewSide}×{MinViewSide}).");
        if (factor <= 1) return (w, h);
        int sw = (int)Math.Round(w / (double)factor), sh = (int)Math.Round(h / (double)factor);
        if (sw < MinViewSide || sh < MinViewSide)
            throw new ArgumentOutOfRangeException("Downscale",
                $"DatasetLoadOptions.Downscale = {factor} would shrink {file} ({w}×{h}) to {Math.Max(0, sw)}×{Math.Max(0, sh)} pixels (at least {MinViewSide}×{MinViewSide} are needed); use a factor of at most {Math.Min(w, h) / MinViewSide}.");
        return (sw, sh);
    }
}
