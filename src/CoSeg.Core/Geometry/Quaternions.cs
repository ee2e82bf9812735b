namespace CoSeg.Geometry;

/// <summary>
/// Unit-quaternion helpers in the (w, x, y, z) order used throughout the library (w first, as in the reference 3DGS PLY
/// and COLMAP). Rotation matrices are 3×3 row-major and act on column vectors: <c>v' = R v</c>.
/// </summary>
public static class Quaternions
{
    /// <summary>Returns q / |q|; throws for a zero or non-finite quaternion.</summary>
    public static (double W, double X, double Y, double Z) Normalize(double w, double x, double y, double z)
    {
        double n = Math.Sqrt(w * w + x * x + y * y + z * z);
        if (!(n > 0) || !double.IsFinite(n))
            throw new ArgumentException($"Quaternion ({w}, {x}, {y}, {z}) has zero or non-finite norm and cannot be normalised.");
        return (w / n, x / n, y / n, z / n);
    }

    /// <summary>Hamilton product a·b (the rotation b applied first, then a).</summary>
    public static (double W, double X, double Y, double Z) Multiply((double W, double X, double Y, double Z) a, (double W, double X, double Y, double Z) b)
        => (a.W * b.W - a.X * b.X - a.Y * b.Y - a.Z * b.Z,
            a.W * b.X + a.X * b.W + a.Y * b.Z - a.Z * b.Y,
            a.W * b.Y - a.X * b.Z + a.Y * b.W + a.Z * b.X,
            a.W * b.Z + a.X * b.Y - a.Y * b.X + a.Z * b.W);

    /// <summary>The rotation matrix (3×3 row-major) of a quaternion; the quaternion is normalised first.</summary>
    public static double[] ToRotationMatrix(double w, double x, double y, double z)
    {
        (w, x, y, z) = Normalize(w, x, y, z);
        return new[]
        {
            1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
            2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
            2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
        };
    }

    /// <summary>
    /// The unit quaternion (with w ≥ 0) of a rotation matrix (3×3 row-major). Uses the numerically stable branch on the
    /// largest diagonal term; the input must be a proper rotation (orthonormal, determinant +1) to within 1e-3.
    /// </summary>
    public static (double W, double X, double Y, double Z) FromRotationMatrix(ReadOnlySpan<double> r)
    {
        if (r.Length != 9) throw new ArgumentException($"Rotation matrix must have 9 entries (3×3 row-major), got {r.Length}.", nameof(r));
        RotationMatrices.EnsureRotation(r, nameof(r));
        double m00 = r[0], m01 = r[1], m02 = r[2], m10 = r[3], m11 = r[4], m12 = r[5], m20 = r[6], m21 = r[7], m22 = r[8];
        double trace = m00 + m11 + m22;
        double w, x, y, z;
        if (trace > 0)
        {
            double s = Math.Sqrt(trace + 1.0) * 2;
            w = 0.25 * s; x = (m21 - m12) / s; y = (m02 - m20) / s; z = (m10 - m01) / s;
        }
        else if (m00 > m11 && m00 > m22)
        {
            double s = Math.Sqrt(1.0 + m00 - m11 - m22) * 2;
            w = (m21 - m12) / s; x = 0.25 * s; y = (m01 + m10) / s; z = (m02 + m20) / s;
        }
        else if (m11 > m22)
        {
            double s = Math.Sqrt(1.0 + m11 - m00 - m22) * 2;
            w = (m02 - m20) / s; x = (m01 + m10) / s; y = 0.25 * s; z = (m12 + m21) / s;
        }
        else
        {
            double s = Math.Sqrt(1.0 + m22 - m00 - m11) * 2;
            w = (m10 - m01) / s; x = (m02 + m20) / s; y = (m12 + m21) / s; z = 0.25 * s;
        }
        var q = Normalize(w, x, y, z);
        return q.W < 0 ? (-q.W, -q.X, -q.Y, -q.Z) : q;
    }

    /// <summary>Rotates vector v by the (normalised) quaternion q.</summary>
    public static (double X, double Y, double Z) Rotate((double W, double X, double Y, double Z) q, double x, double y, double z)
    {
        var m = ToRotationMatrix(q.W, q.X, q.Y, q.Z);
        return (m[0] * x + m[1] * y + m[2] * z, m[3] * x + m[4] * y + m[5] * z, m[6] * x + m[7] * y + m[8] * z);
    }
}
