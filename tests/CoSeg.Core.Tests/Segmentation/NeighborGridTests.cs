using CoSeg.Segmentation;

namespace CoSeg.Tests.Segmentation;

public class NeighborGridTests
{
    [Theory]
    [InlineData(600, 8, false)]
    [InlineData(600, 32, true)]
    [InlineData(40, 45, false)]
    public void MatchesBruteForce(int n, int k, bool onSurface)
    {
        var rng = new Random(n + k);
        var p = new float[n * 3];
        for (int i = 0; i < n; i++)
        {
            double x = rng.NextDouble() * 4 - 2, y = rng.NextDouble() * 2, z = onSurface ? 0.01 * rng.NextDouble() : rng.NextDouble() * 3;
            p[3 * i] = (float)x; p[3 * i + 1] = (float)y; p[3 * i + 2] = (float)z;
        }
        var got = new NeighborGrid(p).Query(k);
        int kk = Math.Min(k, n - 1);
        for (int i = 0; i < n; i++)
        {
            float D(int j) { float dx = p[3 * j] - p[3 * i], dy = p[3 * j + 1] - p[3 * i + 1], dz = p[3 * j + 2] - p[3 * i + 2]; return dx * dx + dy * dy + dz * dz; }
            var expect = Enumerable.Range(0, n).Where(j => j != i).OrderBy(D).ThenBy(j => j).Take(kk).ToArray();
            Assert.Equal(expect, got.Skip(i * k).Take(kk).ToArray());
            for (int j = kk; j < k; j++) Assert.Equal(i, got[i * k + j]);   // padding with self when too few points
        }
    }

    [Fact]
    public void RejectsNonFinitePoints() =>
        Assert.Throws<ArgumentException>(() => new NeighborGrid(new[] { 0f, 0f, float.NaN }));
}
