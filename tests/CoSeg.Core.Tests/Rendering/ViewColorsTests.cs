using CoSeg.Gaussians;
using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

/// <summary><see cref="Rasterizer.ViewColors"/>: the colours <see cref="Rasterizer.Render"/> blends, on every backend.</summary>
public class ViewColorsTests
{
    [SkippableTheory]
    [InlineData("reference")]
    [InlineData("native")]
    public void Rendering_view_colours_as_channels_equals_render(string backend)
    {
        Skip.If(backend == "native" && !RasterizerBackends.NativeAvailable(), "native rasterizer library not built/loadable");
        using var scope = NewDisposeScope();
        var x = RasterTestScenes.Random(150, 3, 11);
        var gen = new Generator(3);
        using var scene = new GaussianScene(x.Means, x.Scales.log(), x.Quats, (x.Opacities / (1 - x.Opacities)).log(), randn(150, 16, 3, generator: gen) * 0.3f);
        var cam = RasterTestScenes.Camera(48, 40);
        var options = new RenderOptions { Backend = backend };
        var colors = Rasterizer.ViewColors(scene, cam, options);
        Assert.Equal(new long[] { 150, 3 }, colors.shape);
        using var direct = Rasterizer.Render(scene, cam, options);
        using var viaChannels = Rasterizer.RenderChannels(scene, colors, cam, options);
        Assert.True(RasterTestScenes.RelErr(viaChannels.Image, direct.Image) < 1e-5);
        var reference = Rasterizer.ViewColors(scene, cam, new RenderOptions { Backend = "reference", ActiveShDegree = 3 });
        Assert.True(RasterTestScenes.RelErr(colors, reference) < 1e-5);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rasterizer.ViewColors(scene, cam, new RenderOptions { ActiveShDegree = 4 }));
    }
}
