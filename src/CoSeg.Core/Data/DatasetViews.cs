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
