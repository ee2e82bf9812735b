using CoSeg.Gaussians;
using CoSeg.Reconstruction;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Reconstruction;

public sealed class McmcStrategyTests
{
    private static float Logit(double o) => (float)Math.Log(o / (1 - o));

    /// <summary>Eight Gaussians with known opacities: rows 1, 4 and 6 are dead (≤ 0.005).</summary>
    private static GaussianScene KnownOpacities()
    {
        double[] o = [0.6, 0.001, 0.3, 0.9, 0.004, 0.05, 0.0049, 0.7];
        int n = o.Length;
        var means = arange(n * 3, dtype: ScalarType.Float32).reshape(n, 3);
        var ls = full(n, 3, -2f);
        var rot = zeros(n, 4); rot[.., 0] = 1f;
        var op = tensor(o.Select(Logit).ToArray());
        var sh = arange(n * 3, dtype: ScalarType.Float32).reshape(n, 1, 3);
        return new GaussianScene(means, ls, rot, op, sh);
    }

    [Fact]
    public void Relocate_MovesOnlyDeadGaussians_OntoLiveOnes()
    {
        using var scope = NewDisposeScope();
        using var scene = KnownOpacities();
        using var before = scene.Clone();
        var strategy = new McmcDensificationStrategy(new McmcOptions { MaxGaussians = 8 });
        using var gen = new Generator(5);
        long moved = strategy.Relocate(scene, null, gen);
        Assert.Equal(3, moved);
        Assert.Equal(8, scene.Count);
        int[] dead = [1, 4, 6];
        var liveMeans = new HashSet<float>(Enumerable.Range(0, 8).Except(dead).Select(i => before.Means[i, 0].item<float>()));
        for (int i = 0; i < 8; i++)
        {
            bool moves = dead.Contains(i);
            float m0 = scene.Means[i, 0].item<float>();
            if (moves)
            {
                // A dead row becomes a copy of a live one (its mean, colour), no longer dead.
                Assert.Contains(m0, liveMeans);
                Assert.True(scene.OpacityLogits[i].sigmoid().item<float>() > 0.005f);
            }
            else
            {
                Assert.Equal(before.Means[i, 0].item<float>(), m0);   // live rows keep their place
                Assert.True(scene.OpacityLogits[i].sigmoid().item<float>() > 0.005f);
            }
        }
        // Sampled sources share their opacity with their copies: 1 − (1 − o)^(1/n), never above the old value.
        for (int i = 0; i < 8; i++)
            if (!dead.Contains(i))
                Assert.True(scene.OpacityLogits[i].item<float>() <= before.OpacityLogits[i].item<float>() + 1e-6f);
    }

    [Fact]
    public void Add_GrowsBy5Percent_AndNeverPastTheBudget()
    {
        using var scope = NewDisposeScope();
        using var scene = KnownOpacities();
        var big = new McmcDensificationStrategy(new McmcOptions { MaxGaussians = 100, GrowthFactor = 1.5 });
        using var gen = new Generator(1);
        Assert.Equal(4, big.Add(scene, null, gen));   // 8 · 1.5 = 12
        Assert.Equal(12, scene.Count);
        var capped = new McmcDensificationStrategy(new McmcOptions { MaxGaussians = 13, GrowthFactor = 1.5 });
        Assert.Equal(1, capped.Add(scene, null, gen));
        Assert.Equal(13, scene.Count);
        Assert.Equal(0, capped.Add(scene, null, gen));
        Assert.Equal(13, scene.Count);
    }

    [Theory]
    [InlineData(0.3, 1)]
    [InlineData(0.3, 3)]
    [InlineData(0.9, 5)]
    public void Relocation_PreservesTheCompositeOpacity(double opacity, int copies)
    {
        var (o2, s) = McmcDensificationStrategy.Relocation(opacity, copies);
        Assert.Equal(opacity, 1 - Math.Pow(1 - o2, copies), 10);
        if (copies == 1) Assert.Equal(1.0, s, 10);
        else Assert.True(s is > 0 and < 2, $"scale factor {s}");
    }

    [Fact]
    public void Training_WithMcmc_KeepsTheCountWithinTheBudget()
    {
        using var start = TinyScenes.Start();
        var data = TinyScenes.Data();
        // 2 initial Gaussians, budget 3: the first refinement adds one (5 % rounds down to 0, so growth 2×).
        var strategy = new McmcDensificationStrategy(new McmcOptions { MaxGaussians = 3, RefineFrom = 5, RefineInterval = 5, GrowthFactor = 2 });
        var opts = TinyScenes.Options(30) with { Strategy = strategy };
        long maxSeen = 0;
        var progress = new TinyScenes.SyncProgress(p => maxSeen = Math.Max(maxSeen, p.GaussianCount));
        using var scene = Reconstructor.Train(start, data, opts, progress);
        Assert.Equal(3, maxSeen);
        Assert.Equal(3, scene.Count);
        Assert.True(float.IsFinite(scene.Means.abs().max().item<float>()));
    }

    [Fact]
    public void Begin_ShrinksAnInitialSceneToTheBudget()
    {
        using var start = TinyScenes.Start();
        var data = TinyScenes.Data();
        var opts = TinyScenes.Options(3) with { Strategy = new McmcDensificationStrategy(new McmcOptions { MaxGaussians = 1 }) };
        using var scene = Reconstructor.Train(start, data, opts);
        Assert.Equal(1, scene.Count);
    }
}
