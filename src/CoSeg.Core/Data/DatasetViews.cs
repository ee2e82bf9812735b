using CoSeg.Geometry;
using static TorchSharp.torch;

namespace CoSeg.Data;

/// <summary>Shared pieces of the readers: file-backed views (with undistortion and masks) and the hold-out split.</summary>
internal static class DatasetViews
{
    /// <summary>
    /// A view whose image is read from <paramref name="path"/> and resampled to the camera size if needed. With a
    /// distortion (not the identity), the image is undistorted into the pinhole camera of the cached
    /// <see cref="ImageUndistorter"/> for this camera, and the view gets a valid mask. A mask file (white = keep) is
    /// resampled, undistorted the same way and folded into the valid mask.
    /// </summary>
    public static SceneView FromFile(Camera camera, string path, bool hasAlpha, float[] background,
                                     LensDistortion? distortion = null, string cameraModel = "PINHOLE",
                                     string? maskPath = null, UndistorterCache? cache = null)
    {
        if (distortion is null || (distortion.IsIdentity && distortion is RadialTangentialDistortion))
        {
            return new SceneView(camera, path, () => ImageFiles.Load(path, background, camera.Width, camera.Height), hasAlpha)
            {
                CameraModel = cameraModel, MaskPath = maskPath,
                ValidMaskLoader = maskPath is null ? null : () => LoadMask(maskPath, camera.Width, camera.Height),
            };
        }
        var und = (cache ?? new UndistorterCache()).Get(camera, distortion);
        return new SceneView(und.Target, path, () =>
        {
            using var raw = ImageFiles.Load(path, background, camera.Width, camera.Height);
            return und.Apply(raw, background);
        }, hasAlpha)
        {
            CameraModel = cameraModel, Distortion = distortion, MaskPath = maskPath,
            ValidMaskLoader = () =>
            {
                var valid = und.ValidMask();
                if (maskPath is null) return valid;
                using var scope = NewDisposeScope();
                using var m = LoadMask(maskPath, camera.Width, camera.Height);
                using var remapped = und.Remap(m);
                return (valid * remapped.ge(0.5f).to_type(ScalarType.Float32)).MoveToOuterDisposeScope();
            },
        };
    }

    /// <summary>Loads a mask image (grey or colour; ≥ 50 % brightness = keep) at the given size as H×W float32 0/1.</summary>
    public static Tensor LoadMask(string path, int width, int height)
    {
        using var image = ImageFiles.Load(path, new float[] { 0, 0, 0 }, width, height);
        using var scope = NewDisposeScope();
        return image.Rgb.mean(new long[] { 2 }).ge(0.5f).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

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

/// <summary>
/// One <see cref="ImageUndistorter"/> per distinct (size, intrinsics, lens) within one dataset load, so the sampling
/// maps are computed once per physical camera rather than once per view. Thread-safe.
/// </summary>
internal sealed class UndistorterCache
{
    private readonly Dictionary<string, ImageUndistorter> _byKey = new();

    public ImageUndistorter Get(Camera camera, LensDistortion distortion)
    {
        string key = FormattableString.Invariant($"{camera.Width}x{camera.Height} {camera.Fx:R} {camera.Fy:R} {camera.Cx:R} {camera.Cy:R} {distortion.ModelName}")
                     + string.Concat(distortion.Coefficients.Select(c => FormattableString.Invariant($" {c.Name}={c.Value:R}")));
        lock (_byKey)
        {
            if (_byKey.TryGetValue(key, out var u))
            {
                // Same intrinsics and lens, different pose: share the map, re-pose the target camera.
                return u.Source.Rotation.SequenceEqual(camera.Rotation) && u.Source.Translation.SequenceEqual(camera.Translation) && u.Source.Name == camera.Name
                    ? u : u.WithPose(camera);
            }
            u = new ImageUndistorter(camera, distortion);
            _byKey[key] = u;
            return u;
        }
    }

    public int Count { get { lock (_byKey) return _byKey.Count; } }
}
