namespace CoSeg.Geometry;

/// <summary>
/// A lens distortion model acting on normalised image coordinates (x = X/Z, y = Y/Z of the OpenCV camera): the
/// closed-form forward map ideal → distorted (<see cref="Distort"/>) and its iterative inverse (<see cref="Undistort"/>).
/// Pixel coordinates follow as u = fx·x + cx, v = fy·y + cy. Datasets remove the distortion once at load
/// (see <c>CoSeg.Data.ImageUndistorter</c>), so everything downstream sees ideal pinhole cameras.
/// </summary>
public abstract class LensDistortion
{
    /// <summary>The model name as COLMAP spells it (e.g. "OPENCV", "FULL_OPENCV", "OPENCV_FISHEYE").</summary>
    public abstract string ModelName { get; }

    /// <summary>True when every coefficient is zero (the map is the identity).</summary>
    public abstract bool IsIdentity { get; }

    /// <summary>Maps ideal normalised coordinates to distorted ones (closed form).</summary>
    public abstract (double X, double Y) Distort(double x, double y);

    /// <summary>
    /// Inverts <see cref="Distort"/> by Newton iteration with a numerical Jacobian (as COLMAP does): returns the ideal
    /// point whose distortion is (xd, yd), or NaN when the iteration does not converge (outside the model's domain).
    /// </summary>
    public (double X, double Y) Undistort(double xd, double yd)
    {
        double x = xd, y = yd;
        const double h = 1e-7;
        for (int it = 0; it < 100; it++)
        {
            var (fx, fy) = Distort(x, y);
            double ex = fx - xd, ey = fy - yd;
            if (ex * ex + ey * ey < 1e-24) return (x, y);
            var (ax, ay) = Distort(x + h, y);
            var (bx, by) = Distort(x, y + h);
            double j00 = (ax - fx) / h, j10 = (ay - fy) / h, j01 = (bx - fx) / h, j11 = (by - fy) / h;
            double det = j00 * j11 - j01 * j10;
            if (!double.IsFinite(det) || Math.Abs(det) < 1e-12) break;
            double dx = (j11 * ex - j01 * ey) / det, dy = (-j10 * ex + j00 * ey) / det;
            x -= dx; y -= dy;
            if (!double.IsFinite(x) || !double.IsFinite(y)) break;
        }
        var (rx, ry) = Distort(x, y);
        return (rx - xd) * (rx - xd) + (ry - yd) * (ry - yd) < 1e-16 ? (x, y) : (double.NaN, double.NaN);
    }

    /// <summary>The coefficients as "name=value" pairs (for reports).</summary>
    public abstract IReadOnlyList<(string Name, double Value)> Coefficients { get; }

    /// <inheritdoc />
    public override string ToString()
        => $"{ModelName}({string.Join(", ", Coefficients.Select(c => $"{c.Name}={c.Value:G6}"))})";

    internal static void CheckFinite(string model, params (string Name, double Value)[] values)
    {
        foreach (var (n, v) in values)
            if (!double.IsFinite(v)) throw new ArgumentException($"{model} distortion coefficient {n} is {v}; coefficients must be finite.");
    }
}
