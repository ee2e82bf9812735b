namespace CoSeg.Geometry;

/// <summary>
/// Exact k-nearest-neighbour search over 3D points with a uniform bucket grid: each query visits cells in growing
/// Chebyshev rings around its own cell and stops once the k-th best distance is closer than any unvisited ring,
/// so the cost is about k·(points per cell) per query instead of N. Shared by the reconstruction (initial scales from
/// neighbour distances) and the segmentation field (spatial neighbourhoods).
/// </summary>
internal sealed class NeighborGrid
{
    private readonly float[] _p;
    private readonly int _n;
    private readonly int _nx, _ny, _nz;
    private readonly float _ox, _oy, _oz, _h;
    private readonly int[] _cellStart; // prefix offsets, length cells + 1
    private readonly int[] _sorted;    // point indices grouped by cell

    /// <summary>Builds the grid over <paramref name="points"/> (N×3 flattened).</summary>
    public NeighborGrid(float[] points, int targetPerCell = 6)
    {
        if (points.Length % 3 != 0) throw new ArgumentException("points must be N×3 flattened.", nameof(points));
        _p = points; _n = points.Length / 3;
        if (_n == 0) throw new ArgumentException("points is empty.", nameof(points));
        float minX = float.MaxValue, minY = float.MaxValue, minZ = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue, maxZ = float.MinValue;
        for (int i = 0; i < _n; i++)
        {
            float x = points[3 * i], y = points[3 * i + 1], z = points[3 * i + 2];
            if (!float.IsFinite(x) || !float.IsFinite(y) || !float.IsFinite(z))
                throw new ArgumentException($"point {i} is not finite.", nameof(points));
            minX = MathF.Min(minX, x); minY = MathF.Min(minY, y); minZ = MathF.Min(minZ, z);
            maxX = MathF.Max(maxX, x); maxY = MathF.Max(maxY, y); maxZ = MathF.Max(maxZ, z);
        }
        float ex = MathF.Max(maxX - minX, 1e-6f), ey = MathF.Max(maxY - minY, 1e-6f), ez = MathF.Max(maxZ - minZ, 1e-6f);
        // Points usually lie on surfaces, so size cells by area (N points spread over ~the bounding box's largest faces).
        float area = MathF.Max(ex * ey, MathF.Max(ey * ez, ex * ez));
        // Points filling a volume (a random initial cube) would make area-sized cells far too many, so the cells also
        // hold at least targetPerCell points per cell of the bounding volume: about N / targetPerCell cells at most.
        float volumeCell = MathF.Cbrt(ex * ey * ez * targetPerCell / _n);
        _h = MathF.Max(MathF.Max(MathF.Sqrt(area * targetPerCell / _n), volumeCell), MathF.Max(ex, MathF.Max(ey, ez)) / 512f);
        _nx = Math.Max(1, (int)(ex / _h) + 1); _ny = Math.Max(1, (int)(ey / _h) + 1); _nz = Math.Max(1, (int)(ez / _h) + 1);
        _ox = minX; _oy = minY; _oz = minZ;
        long cells = (long)_nx * _ny * _nz;
        if (cells > 64_000_000) throw new InvalidOperationException($"k-NN grid would need {cells} cells; points are too spread out.");
        var counts = new int[cells + 1];
        var cellOf = new int[_n];
        for (int i = 0; i < _n; i++) { cellOf[i] = CellIndex(Cell(points[3 * i], _ox, _nx), Cell(points[3 * i + 1], _oy, _ny), Cell(points[3 * i + 2], _oz, _nz)); counts[cellOf[i] + 1]++; }
        for (long c = 0; c < cells; c++) counts[c + 1] += counts[c];
        _cellStart = counts;
        _sorted = new int[_n];
        var fill = new int[cells];
        for (int i = 0; i < _n; i++) _sorted[_cellStart[cellOf[i]] + fill[cellOf[i]]++] = i;
    }

    private int Cell(float v, float origin, int count) => Math.Clamp((int)((v - origin) / _h), 0, count - 1);
    private int CellIndex(int x, int y, int z) => (z * _ny + y) * _nx + x;

    /// <summary>Number of points.</summary>
    public int Count => _n;

    /// <summary>
    /// The k nearest other points of every point (N×k flattened, nearest first; ties by index). If fewer than k
    /// other points exist, the list is padded with the point itself.
    /// </summary>
    public int[] Query(int k, CancellationToken ct = default)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be ≥ 1.");
        var result = new int[(long)_n * k];
        Parallel.For(0, _n, new ParallelOptions { CancellationToken = ct }, () => (new float[k], new int[k]), (i, _, buf) =>
        {
            var (bd, bi) = buf;
            int found = QueryOne(i, k, bd, bi);
            for (int j = 0; j < k; j++) result[(long)i * k + j] = j < found ? bi[j] : i;
            return buf;
        }, _ => { });
        return result;
    }

    private int QueryOne(int self, int k, float[] bd, int[] bi)
    {
        float qx = _p[3 * self], qy = _p[3 * self + 1], qz = _p[3 * self + 2];
        int cx = Cell(qx, _ox, _nx), cy = Cell(qy, _oy, _ny), cz = Cell(qz, _oz, _nz);
        int found = 0;
        int maxRing = Math.Max(_nx, Math.Max(_ny, _nz));
        for (int ring = 0; ring <= maxRing; ring++)
        {
            // Anything in this ring or beyond is at least (ring − 1)·h away.
            if (found == k && ring > 0)
            {
                float reach = (ring - 1) * _h;
                if (bd[k - 1] <= reach * reach) break;
            }
            for (int z = cz - ring; z <= cz + ring; z++)
            {
                if (z < 0 || z >= _nz) continue;
                for (int y = cy - ring; y <= cy + ring; y++)
                {
                    if (y < 0 || y >= _ny) continue;
                    bool yzShell = Math.Abs(z - cz) == ring || Math.Abs(y - cy) == ring;
                    for (int x = cx - ring; x <= cx + ring; x += (yzShell || ring == 0) ? 1 : 2 * ring)
                    {
                        if (x < 0 || x >= _nx) continue;
                        int c = CellIndex(x, y, z);
                        for (int s = _cellStart[c]; s < _cellStart[c + 1]; s++)
                        {
                            int j = _sorted[s];
                            if (j == self) continue;
                            float dx = _p[3 * j] - qx, dy = _p[3 * j + 1] - qy, dz = _p[3 * j + 2] - qz;
                            float d = dx * dx + dy * dy + dz * dz;
                            if (found == k && (d > bd[k - 1] || (d == bd[k - 1] && j > bi[k - 1]))) continue;
                            // insertion into the sorted best list
                            int pos = found < k ? found++ : k - 1;
                            while (pos > 0 && (bd[pos - 1] > d || (bd[pos - 1] == d && bi[pos - 1] > j))) { bd[pos] = bd[pos - 1]; bi[pos] = bi[pos - 1]; pos--; }
                            bd[pos] = d; bi[pos] = j;
                        }
                    }
                }
            }
        }
        return found;
    }
}
