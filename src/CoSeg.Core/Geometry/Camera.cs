namespace CoSeg.Geometry;

/// <summary>
/// A pinhole camera in the OpenCV convention (+X right, +Y down, +Z forward) with a rigid
/// world-to-camera transform: <c>x_cam = R · x_world + t</c>.
/// </summary>
public sealed class Camera
{
    /// <summary>Creates a camera; <paramref name="rotation"/> is the 3×3 world-to-camera rotation, row-major.</summary>
    public Camera(int width, int height, double fx, double fy, double cx, double cy,
                  ReadOnlySpan<double> rotation, ReadOnlySpan<double> translation, string? name = null)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Camera size must be positive, got {width}×{height}.");
        if (!(fx > 0) || !(fy > 0) || !double.IsFinite(fx) || !double.IsFinite(fy)) throw new ArgumentOutOfRangeException(nameof(fx), $"Focal lengths must be positive and finite, got fx={fx}, fy={fy}.");
        if (!double.IsFinite(cx) || !double.IsFinite(cy)) throw new ArgumentOutOfRangeException(nameof(cx), "Principal point must be finite.");
        if (rotation.Length != 9) throw new ArgumentException("Rotation must have 9 entries (3×3 row-major).", nameof(rotation));
        if (translation.Length != 3) throw new ArgumentException("Translation must have 3 entries.", nameof(translation));
        foreach (var v in rotation) if (!double.IsFinite(v)) throw new ArgumentException("Rotation has a NaN or infinite entry.", nameof(rotation));
        foreach (var v in translation) if (!double.IsFinite(v)) throw new ArgumentException("Translation has a NaN or infinite entry.", nameof(translation));
        Width = width; Height = height; Fx = fx; Fy = fy; Cx = cx; Cy = cy;
        _rotation = rotation.ToArray();
        _translation = translation.ToArray();
        Name = name;
    }

    private readonly double[] _rotation;
    private readonly double[] _translation;

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Horizontal focal length in pixels.</summary>
    public double Fx { get; }
    /// <summary>Vertical focal length in pixels.</summary>
    public double Fy { get; }
    /// <summary>Principal point x in pixels (pixel centres are at integer + 0.5).</summary>
    public double Cx { get; }
    /// <summary>Principal point y in pixels.</summary>
    public double Cy { get; }
    /// <summary>Optional name (usually the image file name without extension).</summary>
    public string? Name { get; }

    /// <summary>World-to-camera rotation, 3×3 row-major.</summary>
    public ReadOnlySpan<double> Rotation => _rotation;
    /// <summary>World-to-camera translation.</summary>
    public ReadOnlySpan<double> Translation => _translation;

    /// <summary>Camera centre in world coordinates: <c>−Rᵀ t</c>.</summary>
    public (double X, double Y, double Z) Center
    {
        get
        {
            var r = _rotation; var t = _translation;
            return (-(r[0] * t[0] + r[3] * t[1] + r[6] * t[2]),
                    -(r[1] * t[0] + r[4] * t[1] + r[7] * t[2]),
                    -(r[2] * t[0] + r[5] * t[1] + r[8] * t[2]));
        }
    }

    /// <summary>The 3×4 world-to-camera matrix [R|t], row-major, as floats (what the kernels take).</summary>
    public float[] ViewMatrix3x4()
    {
        var r = _rotation; var t = _translation;
        return new[]
        {
            (float)r[0], (float)r[1], (float)r[2], (float)t[0],
            (float)r[3], (float)r[4], (float)r[5], (float)t[1],
            (float)r[6], (float)r[7], (float)r[8], (float)t[2],
        };
    }

    /// <summary>Transforms a world point into camera coordinates.</summary>
    public (double X, double Y, double Z) WorldToCamera(double x, double y, double z)
    {
        var r = _rotation; var t = _translation;
        return (r[0] * x + r[1] * y + r[2] * z + t[0],
                r[3] * x + r[4] * y + r[5] * z + t[1],
                r[6] * x + r[7] * y + r[8] * z + t[2]);
    }

    /// <summary>Projects a world point to pixel coordinates; also returns camera-space depth.</summary>
    public (double U, double V, double Depth) Project(double x, double y, double z)
    {
        var (xc, yc, zc) = WorldToCamera(x, y, z);
        return (Fx * xc / zc + Cx, Fy * yc / zc + Cy, zc);
    }

    /// <summary>The same camera at another resolution; intrinsics are rescaled to the new size.</summary>
    public Camera Resized(int width, int height)
    {
        double sx = (double)width / Width, sy = (double)height / Height;
        return new Camera(width, height, Fx * sx, Fy * sy, Cx * sx, Cy * sy, _rotation, _translation, Name);
    }

    /// <summary>The same camera with the image downscaled by an integer factor (sizes rounded as image resizing does).</summary>
    public Camera Downscaled(int factor)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), "Downscale factor must be ≥ 1.");
        if (factor == 1) return this;
        return Resized(Math.Max(1, (int)Math.Round(Width / (double)factor)), Math.Max(1, (int)Math.Round(Height / (double)factor)));
    }

    /// <inheritdoc />
    public override string ToString() => $"Camera {Name} {Width}×{Height} f=({Fx:F2},{Fy:F2}) c=({Cx:F2},{Cy:F2})";
}
