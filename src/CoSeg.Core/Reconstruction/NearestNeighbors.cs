using CoSeg.Geometry;

namespace CoSeg.Reconstruction;

/// <summary>k-nearest-neighbour distances over a point set (the search itself is <see cref="NeighborGrid"/>).</summary>
internal static class NearestNeighbors
{
    /// <summary>
    /// For every point, the mean of the squared distances to its <paramref name="k"/> nearest other points (the quantity the
    /// reference trainer turns into initial scales). Points are N×3 row-major. With fewer than k+1 points, the available
    /// neighbours are used; a single point gets 0.
    /// </summary>
    public static float[] MeanSquaredDistances(ReadOnlySpan<float> xyz, int k)
    {
        if (xyz.Length % 3 != 0) throw new ArgumentException("Points must be N×3.", nameof(xyz));
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be ≥ 1.");
        int n = xyz.Length / 3;
        var result = new float[n];
        if (n <= 1) return result;
        var pts = xyz.ToArray();
        var neighbours = new NeighborGrid(pts).Query(k);
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                int o = neighbours[(long)i * k + j];
                double dx = pts[3 * o] - pts[3 * i], dy = pts[3 * o + 1] - pts[3 * i + 1], dz = pts[3 * o + 2] - pts[3 * i + 2];
                sum += dx * dx + dy * dy + dz * dz;
            }
            result[i] = (float)(sum / k);
        }
        return result;
    }
}
