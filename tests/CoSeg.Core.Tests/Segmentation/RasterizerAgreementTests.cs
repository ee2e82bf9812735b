using CoSeg.Features;
using CoSeg.Rendering;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using static TorchSharp.torch;

namespace CoSeg.Tests.Segmentation;

/// <summary>The segmentation weight cache and the feature unprojection agree with the rasterizer backends.</summary>
public class RasterizerAgreementTests
{
    private static SyntheticSegmentationScene Small() => SyntheticSegmentationScene.Create(new SyntheticSceneOptions
    {
        Objects = 2, Density = 120, TrainViews = 2, TestViews = 1, ImageSize = 32, Seed = 11,
    });

    [SkippableTheory]
    [InlineData("reference")]
    [InlineData("ilgpu")]
    [InlineData("native")]
    public void CachedWeightsRenderLikeTheRasterizer(string backend)
    {
        Skip.If(backend == "native" && !RasterizerBackends.NativeAvailable(), "native rasterizer library not built/loadable");
        using var s = Small();
        var cam = s.TrainViews[0].Camera;
        using var channels = randn(new long[] { s.Scene.Count, 5 }, generator: new Generator(3));
        using var r = Rasterizer.RenderChannels(s.Scene, channels, cam, new RenderOptions { Backend = backend });
        using var w = BlendWeightRasterizer.Compute(BlendWeightRasterizer.Geometry.FromScene(s.Scene), cam);
        using var mine = w.Render(channels);
        Assert.True((mine - r.Image).abs().max().item<float>() < 1e-4f, $"max diff {(mine - r.Image).abs().max().item<float>()}");
        Assert.True((w.Alpha - r.Alpha).abs().max().item<float>() < 1e-4f);
    }

    [SkippableTheory]
    [InlineData("reference")]
    [InlineData("ilgpu")]
    [InlineData("native")]
    public void UnprojectionAgreesWithBackend(string backend)
    {
        Skip.If(backend == "native" && !RasterizerBackends.NativeAvailable(), "native rasterizer library not built/loadable");
        using var s = Small();
        var cams = s.TrainViews.Select(v => v.Camera).ToList();
        var maps = cams.Select((c, i) => rand(new long[] { 4, c.Height / 2, c.Width / 2 }, generator: new Generator((ulong)i + 5))).ToList();
        using var viaCache = FeatureUnprojector.Unproject(s.Scene, cams, maps);
        using var scope = NewDisposeScope();
        var inputs = new RasterInputs(s.Scene.Means.contiguous(), s.Scene.LogScales.exp().contiguous(), s.Scene.Rotations.contiguous(),
                                      s.Scene.OpacityLogits.sigmoid().contiguous(), zeros(s.Scene.Count, 1));
        using var viaBackend = FeatureUnprojector.Unproject(RasterizerBackends.Get(backend), inputs, cams, maps, new RasterSettings());
        Assert.Equal(viaBackend.Seen, viaCache.Seen);
        Assert.True((viaCache.Features - viaBackend.Features).abs().max().item<float>() < 1e-4f);
        Assert.True(((viaCache.Weights - viaBackend.Weights).abs() / viaBackend.Weights.clamp_min(1)).max().item<float>() < 1e-4f);
        foreach (var m in maps) m.Dispose();
    }
}
