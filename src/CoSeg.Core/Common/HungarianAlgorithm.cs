namespace CoSeg.Common;

/// <summary>
/// Minimum-cost assignment (Hungarian algorithm with row/column potentials and shortest augmenting paths, O(n²·m)
/// for an n×m cost matrix, n ≤ m; a transposed problem is solved for n &gt; m).
/// </summary>
public static class HungarianAlgorithm
{
    /// <summary>
    /// Assigns rows to distinct columns minimising the summed cost. Returns, per row, its column, or −1 for rows left
    /// unassigned (only when rows outnumber columns).
    /// </summary>
    public static int[] Solve(double[,] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        if (rows == 0) return Array.Empty<int>();
        if (cols == 0) return Enumerable.Repeat(-1, rows).ToArray();
        foreach (var c in cost) if (!double.IsFinite(c)) throw new ArgumentException("cost has a NaN or infinite entry.", nameof(cost));
        if (rows > cols)
        {
            var t = new double[cols, rows];
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j, i] = cost[i, j];
            var colToRow = Solve(t);
            var res = Enumerable.Repeat(-1, rows).ToArray();
            for (int j = 0; j < cols; j++) if (colToRow[j] >= 0) res[colToRow[j]] = j;
            return res;
        }
        // 1-based arrays: p[j] = row matched to column j (0 = none), u/v potentials, way = predecessor column.
        int n = rows, m = cols;
        var u = new double[n + 1]; var v = new double[m + 1];
        var p = new int[m + 1]; var way = new int[m + 1];
        var minv = new double[m + 1]; var used = new bool[m + 1];
        for (int i = 1; i <= n; i++)
        {
            p[0] = i;
            int j0 = 0;
            Array.Fill(minv, double.PositiveInfinity);
            Array.Fill(used, false);
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double cur = cost[i0 - 1, j - 1] - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (p[j0] != 0);
            do { int j1 = way[j0]; p[j0] = p[j1]; j0 = j1; } while (j0 != 0);
        }
        var assignment = Enumerable.Repeat(-1, n).ToArray();
        for (int j = 1; j <= m; j++) if (p[j] != 0) assignment[p[j] - 1] = j - 1;
        return assignment;
    }

    /// <summary>Maximum-total-weight assignment (e.g. on overlap counts): <see cref="Solve"/> on negated weights.</summary>
    public static int[] SolveMaximum(double[,] weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var c = new double[weight.GetLength(0), weight.GetLength(1)];
        for (int i = 0; i < c.GetLength(0); i++) for (int j = 0; j < c.GetLength(1); j++) c[i, j] = -weight[i, j];
        return Solve(c);
    }
}
