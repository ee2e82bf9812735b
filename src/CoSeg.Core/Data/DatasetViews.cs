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

    /// <summary>Target size for a file of size (w, h) downscaled by a factor (rounded as <see cref="Camera.Downscaled"/>).</summary>
    public static (int W, int H) Scaled(int w, int h, int factor)
        => factor <= 1 ? (w, h) : (Math.Max(1, (int)Math.Round(w / (double)factor)), Math.Max(1, (int)Math.Round(h / (double)factor)));
}
