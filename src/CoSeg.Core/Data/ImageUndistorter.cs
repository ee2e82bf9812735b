using CoSeg.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Data;

/// <summary>
/// Removes lens distortion from the images of one camera: the ideal pinhole <see cref="Target"/> camera has the same
/// size and pose as the distorted <see cref="Source"/>, with intrinsics chosen so that the whole source image is kept
/// (the bounding box of its undistorted border); target pixels whose source position falls outside the source image's
/// pixel centres are invalid (<see cref="ValidMask"/>). The sampling map is computed once, from the closed-form forward model: each
/// target pixel centre is distorted and the source image is sampled there bilinearly. One instance per camera is
/// shared by all views of that camera.
/// </summary>
public sealed class ImageUndistorter
{
    private readonly float[] _srcX, _srcY; // source sample position per target pixel, index space (pixel centre = integer)
    private readonly bool[] _valid;

    /// <summary>Builds the map for a distorted camera (intrinsics at the resolution the images are loaded at).</summary>
    /// <param name="source">The distorted camera: its size, pose and (distorted) intrinsics.</param>
    /// <param name="distortion">The lens model.</param>
    /// <param name="minFocalRatio">Lower bound on target focal / source focal, so a very wide lens (fisheye) does not
    /// shrink the image to nothing; the border beyond it is cropped.</param>
    public ImageUndistorter(Camera source, LensDistortion distortion, double minFocalRatio = 0.5)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(distortion);
        Source = source; Distortion = distortion;
        Target = ChooseTarget(source, distortion, minFocalRatio);
        int w = Target.Width, h = Target.Height, n = w * h;
        _srcX = new float[n]; _srcY = new float[n]; _valid = new bool[n];
        double ifx = 1 / Target.Fx, ify = 1 / Target.Fy;
        Parallel.For(0, h, row =>
        {
            for (int col = 0; col < w; col++)
            {
                double x = (col + 0.5 - Target.Cx) * ifx, y = (row + 0.5 - Target.Cy) * ify;
                var (xd, yd) = distortion.Distort(x, y);
                double u = source.Fx * xd + source.Cx, v = source.Fy * yd + source.Cy;
                int i = row * w + col;
                // Valid where the whole bilinear footprint lies inside the source (pixel centres 0.5 … W − 0.5).
                bool ok = double.IsFinite(u) && double.IsFinite(v) && u >= 0.5 && u <= source.Width - 0.5 && v >= 0.5 && v <= source.Height - 0.5;
                _valid[i] = ok;
                _srcX[i] = ok ? (float)(u - 0.5) : 0; _srcY[i] = ok ? (float)(v - 0.5) : 0;
            }
        });
        ValidFraction = _valid.Count(b => b) / (double)n;
    }

    private ImageUndistorter(ImageUndistorter shared, Camera source)
    {
        _srcX = shared._srcX; _srcY = shared._srcY; _valid = shared._valid;
        Source = source; Distortion = shared.Distortion; ValidFraction = shared.ValidFraction;
        var t = shared.Target;
        Target = new Camera(t.Width, t.Height, t.Fx, t.Fy, t.Cx, t.Cy, source.Rotation, source.Translation, source.Name);
    }

    /// <summary>The same maps for another view of the same physical camera (same size, intrinsics and lens; new pose and name).</summary>
    internal ImageUndistorter WithPose(Camera source) => new(this, source);

    /// <summary>The distorted camera images come from.</summary>
    public Camera Source { get; }
    /// <summary>The lens model removed.</summary>
    public LensDistortion Distortion { get; }
    /// <summary>The ideal pinhole camera of the undistorted images.</summary>
    public Camera Target { get; }
    /// <summary>Fraction of target pixels that see the source image.</summary>
    public double ValidFraction { get; }

    /// <summary>The valid-pixel mask of the target image: H×W float32, 1 where the source covers the pixel, else 0.</summary>
    public Tensor ValidMask()
    {
        var m = new float[_valid.Length];
        for (int i = 0; i < m.Length; i++) m[i] = _valid[i] ? 1f : 0f;
        return torch.tensor(m, new long[] { Target.Height, Target.Width });
    }

    /// <summary>
    /// Undistorts one image of the source camera's size (H×W×C float32) by bilinear sampling; invalid pixels get
    /// <paramref name="fill"/> (C values, or zeros when null).
    /// </summary>
    public Tensor Remap(Tensor image, ReadOnlySpan<float> fill = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        bool grey = image.ndim == 2;
        if ((image.ndim != 3 && !grey) || image.shape[0] != Source.Height || image.shape[1] != Source.Width)
            throw new ArgumentException($"image must be {Source.Height}×{Source.Width}(×C) to match the distorted camera, got [{string.Join(",", image.shape)}].", nameof(image));
        int sw = Source.Width, sh = Source.Height, c = grey ? 1 : (int)image.shape[2];
        float[] src;
        using (var cpu = image.detach().to(CPU).to_type(ScalarType.Float32).contiguous()) src = cpu.data<float>().ToArray();
        var fillValues = new float[c];
        if (!fill.IsEmpty)
        {
            if (fill.Length != c) throw new ArgumentException($"fill must have {c} values, got {fill.Length}.", nameof(fill));
            fill.CopyTo(fillValues);
        }
        int w = Target.Width, h = Target.Height;
        var dst = new float[(long)w * h * c];
        Parallel.For(0, h, row =>
        {
            for (int col = 0; col < w; col++)
            {
                int i = row * w + col;
                long o = (long)i * c;
                if (!_valid[i]) { for (int k = 0; k < c; k++) dst[o + k] = fillValues[k]; continue; }
                float sx = Math.Clamp(_srcX[i], 0, sw - 1), sy = Math.Clamp(_srcY[i], 0, sh - 1);
                int x0 = Math.Min((int)sx, sw - 1), y0 = Math.Min((int)sy, sh - 1);
                int x1 = Math.Min(x0 + 1, sw - 1), y1 = Math.Min(y0 + 1, sh - 1);
                float fx = sx - x0, fy = sy - y0;
                long a = ((long)y0 * sw + x0) * c, b = ((long)y0 * sw + x1) * c, d = ((long)y1 * sw + x0) * c, e = ((long)y1 * sw + x1) * c;
                for (int k = 0; k < c; k++)
                {
                    float top = src[a + k] + fx * (src[b + k] - src[a + k]);
                    float bottom = src[d + k] + fx * (src[e + k] - src[d + k]);
                    dst[o + k] = top + fy * (bottom - top);
                }
            }
        });
        return grey ? torch.tensor(dst, new long[] { h, w }) : torch.tensor(dst, new long[] { h, w, c });
    }

    /// <summary>Undistorts a loaded image (colour filled with <paramref name="background"/>, alpha with 0 where invalid).</summary>
    public SceneImage Apply(SceneImage image, ReadOnlySpan<float> background)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rgb = Remap(image.Rgb, background);
        var alpha = image.Alpha is null ? null : Remap(image.Alpha);
        return new SceneImage(rgb, alpha);
    }

    // Target intrinsics: same size; the bounding box of the undistorted source border maps onto the full image, with
    // the focal length not below minFocalRatio × the source focal (the excess border is cropped).
    private static Camera ChooseTarget(Camera s, LensDistortion d, double minFocalRatio)
    {
        double x0 = double.PositiveInfinity, x1 = double.NegativeInfinity, y0 = double.PositiveInfinity, y1 = double.NegativeInfinity;
        const int samples = 256;
        void Add(double u, double v)
        {
            var (x, y) = d.Undistort((u - s.Cx) / s.Fx, (v - s.Cy) / s.Fy);
            if (!double.IsFinite(x) || !double.IsFinite(y)) return;
            x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
        }
        for (int i = 0; i <= samples; i++)
        {
            double t = i / (double)samples;
            Add(t * s.Width, 0); Add(t * s.Width, s.Height); Add(0, t * s.Height); Add(s.Width, t * s.Height);
        }
        if (!(x1 > x0) || !(y1 > y0))
            throw new InvalidDataException($"Camera {s.Name}: the {d} lens model cannot be inverted at the image border; cannot undistort.");
        // Never crop below the focal floor: clamp the box symmetrically about the principal ray.
        double maxHalfX = s.Width / (minFocalRatio * s.Fx) / 2, maxHalfY = s.Height / (minFocalRatio * s.Fy) / 2;
        double mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
        if (x1 - x0 > 2 * maxHalfX) { x0 = mx - maxHalfX; x1 = mx + maxHalfX; }
        if (y1 - y0 > 2 * maxHalfY) { y0 = my - maxHalfY; y1 = my + maxHalfY; }
        double fx = s.Width / (x1 - x0), fy = s.Height / (y1 - y0);
        return new Camera(s.Width, s.Height, fx, fy, -x0 * fx, -y0 * fy, s.Rotation, s.Translation, s.Name);
    }
}
