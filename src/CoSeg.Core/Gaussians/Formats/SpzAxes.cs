namespace CoSeg.Gaussians.Formats;

/// <summary>
/// The sign of each axis of an SPZ file's stored coordinate system relative to the reference PLY's right-down-forward
/// (OpenCV) axes: a point stored as (x, y, z) is (X·x, Y·y, Z·z) in the PLY. Flipping axes is its own inverse, so the
/// same signs serve reading and writing. SPZ stores right-up-back (OpenGL) unless Adobe's coordinate-system extension
/// names one of the other seven axis-flip systems; the rotated family (Y and Z swapped) is not handled.
/// </summary>
internal readonly record struct SpzAxes(int X, int Y, int Z)
{
    public static readonly SpzAxes RightUpBack = new(1, -1, -1);

    /// <summary>
    /// Axis parities (x, y, z exponents mod 2) of the real SH basis functions of degrees 1–4 in the usual order
    /// (m = −l … l; degree 1 is y, z, x): a coefficient changes sign under an axis flip when its function is odd in it.
    /// </summary>
    private static readonly (int X, int Y, int Z)[] ShParity =
    {
        (0, 1, 0), (0, 0, 1), (1, 0, 0),                                                  // y, z, x
        (1, 1, 0), (0, 1, 1), (0, 0, 0), (1, 0, 1), (0, 0, 0),                            // xy, yz, 3z²−1, xz, x²−y²
        (0, 1, 0), (1, 1, 1), (0, 1, 0), (0, 0, 1), (1, 0, 0), (0, 0, 1), (1, 0, 0),      // degree 3
        (1, 1, 0), (0, 1, 1), (1, 1, 0), (0, 1, 1), (0, 0, 0), (1, 0, 1), (0, 0, 0), (1, 0, 1), (0, 0, 0), // degree 4
    };

    /// <summary>Sign of SH coefficient <paramref name="rest"/> (0-based after the DC term) under these flips.</summary>
    public int ShSign(int rest)
    {
        var (px, py, pz) = ShParity[rest];
        return (px == 1 ? X : 1) * (py == 1 ? Y : 1) * (pz == 1 ? Z : 1);
    }

    /// <summary>
    /// Maps a quaternion's vector part under the flips: with S = diag(X, Y, Z) the rotation S·R·S has the vector
    /// part (Y·Z·x, X·Z·y, X·Y·z) and the same w (for proper and improper S alike).
    /// </summary>
    public (float X, float Y, float Z) Vector(float x, float y, float z) => (Y * Z * x, X * Z * y, X * Y * z);

    /// <summary>
    /// The axes of a coordinate system numbered as in Niantic's SPZ library (1 LDB, 2 RDB, 3 LUB, 4 RUB, 5 LDF, 6 RDF,
    /// 7 LUF, 8 RUF; 9–16 the rotated family).
    /// </summary>
    /// <exception cref="InvalidDataException">0, a rotated-family system or an unknown number.</exception>
    public static SpzAxes FromCoordinateSystem(uint system, string name)
    {
        if (system is >= 1 and <= 8)
        {
            uint b = system - 1; // bit 0: right (else left), bit 1: up (else down), bit 2: front (else back)
            return new((b & 1) != 0 ? 1 : -1, (b & 2) != 0 ? -1 : 1, (b & 4) != 0 ? 1 : -1);
        }
        if (system is >= 9 and <= 16)
            throw new InvalidDataException($"{name}: SPZ coordinate system {system} (rotated family, Y and Z swapped) is not supported; only the axis-flip systems 1–8 (e.g. RUB, RDF) are.");
        throw new InvalidDataException($"{name}: SPZ coordinate-system extension names an unknown system {system} (1–16 exist).");
    }
}
