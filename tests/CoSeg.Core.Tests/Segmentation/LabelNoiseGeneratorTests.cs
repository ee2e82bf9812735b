using CoSeg.Segmentation.Benchmark;

namespace CoSeg.Tests.Segmentation;

public class LabelNoiseGeneratorTests
{
    private static int[] Blocks(int w, int h)
    {
        // four quadrants 1..4 with a void border row
        var l = new int[w * h];
        for (int y = 1; y < h; y++) for (int x = 0; x < w; x++) l[y * w + x] = 1 + (x >= w / 2 ? 1 : 0) + (y >= h / 2 ? 2 : 0);
        return l;
    }

    [Fact]
    public void NoneIsIdentity()
    {
        var l = Blocks(20, 20);
        Assert.Equal(l, LabelNoiseGenerator.Corrupt(l, 20, 20, 4, LabelNoiseOptions.None, new Random(1)));
    }

    [Fact]
    public void DropAllGivesVoid()
    {
        var l = Blocks(20, 20);
        var c = LabelNoiseGenerator.Corrupt(l, 20, 20, 4, new LabelNoiseOptions { DropRate = 1 }, new Random(1));
        Assert.All(c, v => Assert.Equal(0, v));
    }

    [Fact]
    public void MergeAllReducesSegmentsAndKeepsVoid()
    {
        var l = Blocks(20, 20);
        var c = LabelNoiseGenerator.Corrupt(l, 20, 20, 4, new LabelNoiseOptions { MergeRate = 1 }, new Random(2));
        Assert.True(c.Where(v => v != 0).Distinct().Count() < 4);
        for (int i = 0; i < l.Length; i++) Assert.Equal(l[i] == 0, c[i] == 0);
    }

    [Fact]
    public void PermutationKeepsThePartition()
    {
        var l = Blocks(20, 20);
        var c = LabelNoiseGenerator.Corrupt(l, 20, 20, 4, new LabelNoiseOptions { PermuteIds = true }, new Random(3));
        var pairs = l.Zip(c).Distinct().ToList();
        Assert.Equal(5, pairs.Count);                               // a bijection on {0..4}
        Assert.Equal(5, pairs.Select(p => p.Second).Distinct().Count());
    }

    [Fact]
    public void BoundaryErrorsOnlyTouchBoundaries()
    {
        var l = Blocks(30, 30);
        var c = LabelNoiseGenerator.Corrupt(l, 30, 30, 4, new LabelNoiseOptions { BoundaryPixels = 2 }, new Random(4));
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 30; x++)
            {
                bool nearEdge = Math.Abs(x - 15) <= 2 || Math.Abs(x - 14) <= 2 || Math.Abs(y - 15) <= 2 || Math.Abs(y - 14) <= 2 || y <= 3 || x <= 2 || x >= 27 || y >= 27;
                if (!nearEdge) Assert.Equal(l[y * 30 + x], c[y * 30 + x]);
            }
        Assert.NotEqual(l, c);
    }

    [Fact]
    public void NamedLevelsAndErrors()
    {
        Assert.Same(LabelNoiseOptions.Default, LabelNoiseOptions.FromName("default"));
        Assert.True(LabelNoiseOptions.High.MergeRate > LabelNoiseOptions.Low.MergeRate);
        Assert.Throws<ArgumentException>(() => LabelNoiseOptions.FromName("extreme"));
        Assert.Throws<ArgumentException>(() => LabelNoiseGenerator.Corrupt(new int[5], 2, 2, 1, LabelNoiseOptions.None, new Random()));
    }

    [Fact]
    public void LevelsAreNestedForTheSameSeed()
    {
        // Per segment and view: whatever is relabelled or dropped at the lower rates is also corrupted at the higher.
        var l = Blocks(20, 20);
        var lo = new LabelNoiseOptions { RelabelRate = 0.2, DropRate = 0.2 };
        var hi = new LabelNoiseOptions { RelabelRate = 0.5, DropRate = 0.5 };
        int corruptedLo = 0, corruptedHi = 0;
        for (long seed = 0; seed < 200; seed++)
        {
            var a = LabelNoiseGenerator.Corrupt(l, 20, 20, 4, lo, seed);
            var b = LabelNoiseGenerator.Corrupt(l, 20, 20, 4, hi, seed);
            for (int id = 1; id <= 4; id++)
            {
                int px = Array.IndexOf(l, id);
                bool badLo = a[px] != id, badHi = b[px] != id;
                if (badLo) Assert.True(badHi, $"seed {seed}: segment {id} corrupted at the lower level only");
                corruptedLo += badLo ? 1 : 0; corruptedHi += badHi ? 1 : 0;
            }
        }
        Assert.InRange(corruptedLo, 200 * 4 * 0.25, 200 * 4 * 0.5);   // ≈ 1 − 0.8·0.8 = 0.36
        Assert.True(corruptedHi > corruptedLo * 1.5);
    }

    [Fact]
    public void OneCorruptionDoesNotShiftTheDrawsOfAnother()
    {
        // A rate too small to fire must not change any view of a sequence drawn from one generator.
        var l = Blocks(20, 20);
        var a = new LabelNoiseOptions { BoundaryPixels = 2, SplitRate = 0.5 };
        var b = a with { DropRate = 1e-12, MergeRate = 1e-12 };
        var ra = new Random(7); var rb = new Random(7);
        for (int v = 0; v < 10; v++)
            Assert.Equal(LabelNoiseGenerator.Corrupt(l, 20, 20, 4, a, ra), LabelNoiseGenerator.Corrupt(l, 20, 20, 4, b, rb));
    }

    [Fact]
    public void TwoRelabelledSegmentsSwapInsteadOfCollapsing()
    {
        // Two ids, both relabelled: each takes the other's id (decided per segment, not by the order of replacement).
        var l = new int[100];
        for (int i = 50; i < 100; i++) l[i] = 1;
        for (int i = 0; i < 50; i++) l[i] = 2;
        var c = LabelNoiseGenerator.Corrupt(l, 10, 10, 2, new LabelNoiseOptions { RelabelRate = 1 }, 3L);
        for (int i = 0; i < 100; i++) Assert.Equal(3 - l[i], c[i]);
    }
}
