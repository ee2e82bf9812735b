namespace CoSeg.Reconstruction;

/// <summary>
/// k-nearest-neighbour distances over a point set with a uniform hash grid: each query scans grid shells of growing
/// radius until the k-th best distance is closer than the next shell, so the cost is about O(N·k) for evenly spread
/// points instead of O(N²).
/// </summary>
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
        k = Math.Min(k, n - 1);

        float minX = float.MaxValue, minY = float.MaxValue, minZ = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue, maxZ = float.MinValue;
        for (int i = 0; i < n; i++)
        {
            float x = pts[3 * i], y = pts[3 * i + 1], z = pts[3 * i + 2];
            if (!float.IsFinite(x) || !float.IsFinite(y) || !float.IsFinite(z))
                throw new ArgumentException($"Point {i} has a NaN or infinite coordinate.", nameof(xyz));
            minX = Math.Min(minX, x); minY = Math.Min(minY, y); minZ = Math.Min(minZ, z);
            maxX = Math.Max(maxX, x); maxY = Math.Max(maxY, y); maxZ = Math.Max(maxZ, z);
        }
        // About 2 points per cell on average.
        double ex = Math.Max(maxX - minX, 1e-9), ey = Math.Max(maxY - minY, 1e-9), ez = Math.Max(maxZ - minZ, 1e-9);
        double cell = Math.Cbrt(ex * ey * ez * 2.0 / n);
        cell = Math.Max(cell, Math.Max(ex, Math.Max(ey, ez)) / 1024.0);
        int gx = Math.Max(1, (int)Math.Ceiling(ex / cell)), gy = Math.Max(1, (int)Math.Ceiling(ey / cell)), gz = Math.Max(1, (int)Math.Ceiling(ez / cell));
        int Cell(float v, float min, int g) => Math.Clamp((int)((v - min) / cell), 0, g - 1);

        // Counting sort of points by cell.
        var cellOf = new int[n];
        var start = new int[gx * gy * gz + 1];
        for (int i = 0; i < n; i++)
        {
            int c = (Cell(pts[3 * i + 2], minZ, gz) * gy + Cell(pts[3 * i + 1], minY, gy)) * gx + Cell(pts[3 * i], minX, gx);
            cellOf[i] = c;
            start[c + 1]++;
        }
        for (int c = 0; c < start.Length - 1; c++) start[c + 1] += start[c];
        var order = new int[n];
        var fill = (int[])start.Clone();
        for (int i = 0; i < n; i++) order[fill[cellOf[i]]++] = i;

        Parallel.For(0, n, () => new float[k], (i, _, best) =>
        {
            Array.Fill(best, float.MaxValue);
            float px = pts[3 * i], py = pts[3 * i + 1], pz = pts[3 * i + 2];
            int cx = Cell(px, minX, gx), cy = Cell(py, minY, gy), cz = Cell(pz, minZ, gz);
            int maxShell = Math.Max(gx, Math.Max(gy, gz));
            for (int shell = 0; shell <= maxShell; shell++)
            {
                // Every point outside shells 0..shell-1 is at least (shell-1)·cell away.
                if (shell > 0)
                {
                    double reach = (shell - 1) * cell;
                    if (best[k - 1] < reach * reach) break;
                }
                for (int dz = -shell; dz <= shell; dz++)
                {
                    int z = cz + dz; if (z < 0 || z >= gz) continue;
                    for (int dy = -shell; dy <= shell; dy++)
                    {
                        int y = cy + dy; if (y < 0 || y >= gy) continue;
                        bool onFace = Math.Abs(dz) == shell || Math.Abs(dy) == shell;
                        for (int dx = -shell; dx <= shell; dx += onFace ? 1 : 2 * Math.Max(shell, 1))
                        {
                            int x = cx + dx; if (x < 0 || x >= gx) continue;
                            int c = (z * gy + y) * gx + x;
                            for (int s = start[c]; s < start[c + 1]; s++)
                            {
                                int j = order[s];
                                if (j == i) continue;
                                float ddx = pts[3 * j] - px, ddy = pts[3 * j + 1] - py, ddz = pts[3 * j + 2] - pz;
                                float d2 = ddx * ddx + ddy * ddy + ddz * ddz;
                                if (d2 >= best[k - 1]) continue;
                                int pos = k - 1;
                                while (pos > 0 && best[pos - 1] > d2) { best[pos] = best[pos - 1]; pos--; }
                                best[pos] = d2;
                            }
                            if (shell == 0) break;
                        }
                    }
                }
            }
            double sum = 0;
            for (int t = 0; t < k; t++) sum += best[t];
            result[i] = (float)(sum / k);
            return best;
        }, _ => { });
        return result;
    }
}
