using CoSeg.Common;

namespace CoSeg.Tests.Common;

public class HungarianAlgorithmTests
{
    private static double BruteForce(double[,] c, out int[] best)
    {
        int n = c.GetLength(0), m = c.GetLength(1);
        double bestCost = double.PositiveInfinity; best = Array.Empty<int>();
        var cols = Enumerable.Range(0, m).ToArray();
        foreach (var perm in Permutations(cols, Math.Min(n, m)))
        {
            double s = 0;
            if (n <= m) for (int i = 0; i < n; i++) s += c[i, perm[i]];
            else for (int j = 0; j < m; j++) s += c[perm[j], j];
            if (s < bestCost) { bestCost = s; best = perm; }
        }
        return bestCost;
    }

    private static IEnumerable<int[]> Permutations(int[] items, int len)
    {
        if (len == 0) { yield return Array.Empty<int>(); yield break; }
        foreach (var x in items)
            foreach (var rest in Permutations(items.Where(y => y != x).ToArray(), len - 1))
                yield return new[] { x }.Concat(rest).ToArray();
    }

    [Theory]
    [InlineData(1, 1)] [InlineData(3, 3)] [InlineData(5, 5)] [InlineData(3, 6)] [InlineData(6, 4)]
    public void MatchesBruteForceOptimum(int n, int m)
    {
        var rng = new Random(n * 31 + m);
        for (int trial = 0; trial < 20; trial++)
        {
            var c = new double[n, m];
            for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) c[i, j] = rng.Next(0, 20) - 5;
            var a = HungarianAlgorithm.Solve(c);
            if (n > m)
            {
                // brute force over row choices for each column
                var t = new double[m, n];
                for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) t[j, i] = c[i, j];
                double expectT = BruteForce(t, out _);
                Assert.Equal(m, a.Count(x => x >= 0));
                Assert.Equal(expectT, Enumerable.Range(0, n).Where(i => a[i] >= 0).Sum(i => c[i, a[i]]), 9);
            }
            else
            {
                double expect = BruteForce(c, out _);
                Assert.All(a, x => Assert.InRange(x, 0, m - 1));
                Assert.Equal(n, a.Distinct().Count());
                Assert.Equal(expect, Enumerable.Range(0, n).Sum(i => c[i, a[i]]), 9);
            }
        }
    }

    [Fact]
    public void MaximumPicksLargestOverlap()
    {
        var w = new double[,] { { 1, 10, 0 }, { 9, 8, 0 }, { 0, 0, 5 } };
        Assert.Equal(new[] { 1, 0, 2 }, HungarianAlgorithm.SolveMaximum(w));
    }

    [Fact]
    public void RejectsNaN() => Assert.Throws<ArgumentException>(() => HungarianAlgorithm.Solve(new double[,] { { double.NaN } }));
}
