using CoSeg.Rendering;
using CoSeg.Tests.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Tests.Native;

/// <summary>The benchmark's (pixel, Gaussian) blend count against what the images say.</summary>
public class NativeBlendCountTests
{
    [Fact]
    public void OneGaussian_BlendsOncePerPixelItReaches()
    {
        using var scope = NewDisposeScope();
        var backend = NativeBackends.Get(false);
        var all = RasterTestScenes.Random(50, 3, seed: 4);
        var cam = RasterTestScenes.Camera(40, 32);
        long i;
        using (var probe = backend.Forward(all, cam, new RasterSettings())) i = probe.Radii.argmax().item<long>();
        var one = tensor(new[] { i });
        var inputs = new RasterInputs(all.Means[one].contiguous(), all.Scales[one].contiguous(), all.Quats[one].contiguous(),
                                      full(1, 0.8f), all.Colors[one].contiguous());
        using var f = backend.Forward(inputs, cam, new RasterSettings());
        long pixels = f.Alpha.gt(0).sum().item<long>();
        Assert.True(pixels > 0);
        Assert.Equal(pixels, backend.CountBlends(f));
    }

    [Fact]
    public void ManyGaussians_CountIsBetweenCoveredPixelsAndPairs()
    {
        using var scope = NewDisposeScope();
        var backend = NativeBackends.Get(false);
        var inputs = RasterTestScenes.Random(200, 3, seed: 2);
        var cam = RasterTestScenes.Camera(48, 48);
        using var f = backend.Forward(inputs, cam, new RasterSettings());
        long covered = f.Alpha.gt(0).sum().item<long>();
        long blends = backend.CountBlends(f);
        Assert.True(blends > covered, $"{blends} blends, {covered} covered pixels");
        Assert.True(blends <= 200L * 48 * 48);
    }
}
