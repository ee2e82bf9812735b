namespace CoSeg.Geometry;

/// <summary>
/// OpenCV's radial-tangential (Brown–Conrady) model with the optional rational denominator:
/// r² = x² + y², radial = (1 + k1 r² + k2 r⁴ + k3 r⁶ + R8 r⁸) / (1 + k4 r² + k5 r⁴ + k6 r⁶),
/// x_d = x·radial + 2 p1 x y + p2 (r² + 2x²), y_d = y·radial + p1 (r² + 2y²) + 2 p2 x y.
/// Covers COLMAP SIMPLE_RADIAL (k1), RADIAL (k1, k2), OPENCV (k1, k2, p1, p2), FULL_OPENCV (k1..k6, p1, p2) and
/// instant-ngp / nerfstudio transforms (k1, k2, k3, p1, p2 and nerfstudio's polynomial k4, stored as <see cref="R8"/>).
/// </summary>
public sealed class RadialTangentialDistortion : LensDistortion
{
    /// <summary>Creates the model; all coefficients must be finite.</summary>
    public RadialTangentialDistortion(double k1 = 0, double k2 = 0, double p1 = 0, double p2 = 0, double k3 = 0,
                                      double k4 = 0, double k5 = 0, double k6 = 0, double r8 = 0, string modelName = "OPENCV")
    {
        CheckFinite(modelName, ("k1", k1), ("k2", k2), ("p1", p1), ("p2", p2), ("k3", k3), ("k4", k4), ("k5", k5), ("k6", k6), ("r8", r8));
        K1 = k1; K2 = k2; P1 = p1; P2 = p2; K3 = k3; K4 = k4; K5 = k5; K6 = k6; R8 = r8;
        ModelName = modelName;
    }

    /// <summary>Radial coefficient of r².</summary>
    public double K1 { get; }
    /// <summary>Radial coefficient of r⁴.</summary>
    public double K2 { get; }
    /// <summary>Tangential coefficient p1.</summary>
    public double P1 { get; }
    /// <summary>Tangential coefficient p2.</summary>
    public double P2 { get; }
    /// <summary>Radial coefficient of r⁶.</summary>
    public double K3 { get; }
    /// <summary>Rational denominator coefficient of r² (OpenCV/COLMAP FULL_OPENCV k4).</summary>
    public double K4 { get; }
    /// <summary>Rational denominator coefficient of r⁴.</summary>
    public double K5 { get; }
    /// <summary>Rational denominator coefficient of r⁶.</summary>
    public double K6 { get; }
    /// <summary>Numerator coefficient of r⁸ (nerfstudio's "k4" for its OPENCV model).</summary>
    public double R8 { get; }

    /// <inheritdoc />
    public override string ModelName { get; }

    /// <inheritdoc />
    public override bool IsIdentity => K1 == 0 && K2 == 0 && P1 == 0 && P2 == 0 && K3 == 0 && K4 == 0 && K5 == 0 && K6 == 0 && R8 == 0;

    /// <inheritdoc />
    public override (double X, double Y) Distort(double x, double y)
    {
        double r2 = x * x + y * y;
        double num = 1 + r2 * (K1 + r2 * (K2 + r2 * (K3 + r2 * R8)));
        double den = 1 + r2 * (K4 + r2 * (K5 + r2 * K6));
        double radial = num / den;
        return (x * radial + 2 * P1 * x * y + P2 * (r2 + 2 * x * x),
                y * radial + P1 * (r2 + 2 * y * y) + 2 * P2 * x * y);
    }

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, double Value)> Coefficients
        => new[] { ("k1", K1), ("k2", K2), ("p1", P1), ("p2", P2), ("k3", K3), ("k4", K4), ("k5", K5), ("k6", K6), ("r8", R8) }
           .Where(c => c.Item2 != 0 || c.Item1 is "k1").ToArray();
}
