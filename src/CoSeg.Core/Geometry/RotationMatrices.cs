namespace CoSeg.Geometry;

/// <summary>Small helpers for 3×3 row-major rotation matrices (double precision).</summary>
public static class RotationMatrices
{
    /// <summary>The transpose (= inverse for a rotation) of a 3×3 row-major matrix.</summary>
    public static double[] Transpose(ReadOnlySpan<double> m)
    {
        if (m.Length != 9) throw new ArgumentException($"Matrix must have 9 entries (3×3 row-major), got {m.Length}.", nameof(m));
        return new[] { m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8] };
    }

    /// <summary>The product a·b of two 3×3 row-major matrices.</summary>
    public static double[] Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != 9 || b.Length != 9) throw new ArgumentException("Both matrices must have 9 entries (3×3 row-major).");
        var c = new double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                c[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
        return c;
    }

    /// <summary>The determinant of a 3×3 row-major matrix.</summary>
    public static double Determinant(ReadOnlySpan<double> m)
        => m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> (naming <paramref name="what"/>) unless the matrix is finite, orthonormal
    /// and has determinant +1, each to within <paramref name="tolerance"/>.
    /// </summary>
    public static void EnsureRotation(ReadOnlySpan<double> m, string what, double tolerance = 1e-3)
    {
        if (m.Length != 9) throw new ArgumentException($"{what}: a rotation needs 9 entries, got {m.Length}.");
        foreach (var v in m) if (!double.IsFinite(v)) throw new ArgumentException($"{what}: the rotation has a NaN or infinite entry.");
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double dot = m[i * 3] * m[j * 3] + m[i * 3 + 1] * m[j * 3 + 1] + m[i * 3 + 2] * m[j * 3 + 2];
                if (Math.Abs(dot - (i == j ? 1 : 0)) > tolerance)
                    throw new ArgumentException($"{what}: the 3×3 rotation is not orthonormal (row {i}·row {j} = {dot:G6}); scaled or sheared poses are not supported.");
            }
        double det = Determinant(m);
        if (Math.Abs(det - 1) > tolerance)
            throw new ArgumentException($"{what}: the 3×3 rotation has determinant {det:G6}, not +1 (a reflection — wrong axis convention?).");
    }
}
