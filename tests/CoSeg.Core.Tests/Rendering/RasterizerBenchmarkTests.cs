using CoSeg.Rendering;

namespace CoSeg.Tests.Rendering;

public sealed class RasterizerBenchmarkTests
{
    [Fact]
    public void TimesEachBackend_InOrder_AndSkipsAnOversizedReference()
    {
        var heard = new List<RasterizerBenchmarkResult>();
        var small = RasterizerBenchmark.Run(new[] { "reference", "native" }, new RasterizerBenchmarkOptions { Gaussians = 50, Width = 16, Height = 16, Repeats = 2 }, heard.Add);
        Assert.Equal(heard, small);
        Assert.Equal(2, small.Count);
        Assert.Equal("reference", small[0].Backend);
        Assert.Null(small[0].Skipped);
        Assert.True(small[0].ForwardMsMedian > 0 && small[0].ForwardBackwardMsMedian >= small[0].ForwardMsMedian * 0.5);
        Assert.Null(small[0].UsesAvx2);
        Assert.Null(small[0].ResidentGrowthKib);
        if (small[1].Skipped is null) Assert.NotNull(small[1].UsesAvx2);       // native: skipped only where the library cannot load
        else Assert.True(double.IsNaN(small[1].ForwardMsMedian));

        var big = RasterizerBenchmark.Run(new[] { "reference" }, new RasterizerBenchmarkOptions { Gaussians = 10, Width = 256, Height = 256, Repeats = 1 });
        Assert.Contains("dense reference", big[0].Skipped);
    }

    [Fact]
    public void BadNamesAndOptions_Throw()
    {
        Assert.Throws<ArgumentException>(() => RasterizerBenchmark.Run(new[] { "cuda" }, new RasterizerBenchmarkOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => RasterizerBenchmark.Run(new[] { "native" }, new RasterizerBenchmarkOptions { Repeats = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => RasterizerBenchmark.Run(new[] { "native" }, new RasterizerBenchmarkOptions { Width = 0 }));
    }
}
