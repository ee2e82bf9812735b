namespace CoSeg.Geometry;

/// <summary>
/// OpenCV's fisheye (equidistant) model, COLMAP OPENCV_FISHEYE and nerfstudio <c>camera_model: OPENCV_FISHEYE</c>:
/// r = √(x² + y²), θ = atan(r), θ_d = θ (1 + k1 θ² + k2 θ⁴ + k3 θ⁶ + k4 θ⁸), (x_d, y_d) = (θ_d / r)·(x, y).
/// Defined for points in front of the camera (θ &lt; 90°); the ideal pinhole image keeps the part of the field of
/// view that a pinhole camera can show.
/// </summary>
public sealed class FisheyeDistortion : LensDistortion
{
    /// <summary>Creates the model; all coefficients must be finite.</summary>
    public FisheyeDistortion(double k1 = 0, double k2 = 0, double k3 = 0, double k4 = 0)
    {
        CheckFinite("OPENCV_FISHEYE", ("k1", k1), ("k2", k2), ("k3", k3), ("k4", k4));
        K1 = k1; K2 = k2; K3 = k3; K4 = k4;
    }

    /// <summary>Coefficient of θ².</summary>
    public double K1 { get; }
    /// <summary>Coefficient of θ⁴.</summary>
    public double K2 { get; }
    /// <summary>Coefficient of θ⁶.</summary>
    public double K3 { get; }
    /// <summary>Coefficient of θ⁸.</summary>
    public double K4 { get; }

    /// <inheritdoc />
    public override string ModelName => "OPENCV_FISHEYE";

    /// <summary>Always false: even with zero coefficients the equidistant projection differs from a pinhole.</summary>
    public override bool IsIdentity => false;

    /// <inheritdoc />
    public override (double X, double Y) Distort(double x, double y)
    {
        double r = Math.Sqrt(x * x + y * y);
        if (r < 1e-12) return (x, y);
        double t = Math.Atan(r), t2 = t * t;
        double td = t * (1 + t2 * (K1 + t2 * (K2 + t2 * (K3 + t2 * K4))));
        double s = td / r;
        return (x * s, y * s);
    }

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, double Value)> Coefficients => new[] { ("k1", K1), ("k2", K2), ("k3", K3), ("k4", K4) };
}
