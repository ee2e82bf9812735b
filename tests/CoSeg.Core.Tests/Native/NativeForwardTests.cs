using CoSeg.Rendering;
using static CoSeg.Tests.Native.NativeTestScenes;
using static TorchSharp.torch;

namespace CoSeg.Tests.Native;

/// <summary>Native forward pass against the naive double-precision reference.</summary>
public class NativeForwardTests
{
    [Theory]
    [InlineData(64, 64, 1, false, 1)]
    [InlineData(64, 64, 3, false, 2)]
    [InlineData(37, 53, 32, false, 3)]
    [InlineData(64, 64, 3, true, 4)]
    [InlineData(37, 53, 3, true, 5)]
    [InlineData(53, 37, 32, true, 6)]
    [InlineData(37, 53, 8, false, 45)]
    public void ForwardMatchesDenseReference(int w, int h, int c, bool baseline, int seed)
    {
        using var scope = NewDisposeScope();
        var dcam = Camera(w, h, seed);
        var scene = DScene(300, c, seed, dcam);
        var rng = new Random(seed);
        var bg = Enumerable.Range(0, c).Select(_ => rng.NextDouble()).ToArray();
        var reference = DenseReference.Render(scene, dcam, bg);
        var settings = new RasterSettings { Background = bg.Select(v => (float)v).ToArray() };
        using var fwd = NativeBackends.Get(baseline).Forward(Inputs(scene), ToCamera(dcam), settings);
        Assert.Equal(new long[] { h, w, c }, fwd.Colors.shape);
        Assert.True(RelErr(D(fwd.Colors), reference.Colors) < 1e-4, $"colours rel err {RelErr(D(fwd.Colors), reference.Colors)}");
        Assert.True(RelErr(D(fwd.Alpha), reference.Alpha) < 1e-4, $"alpha rel err {RelErr(D(fwd.Alpha), reference.Alpha)}");
        Assert.True(RelErr(D(fwd.Depth), reference.Depth) < 1e-4, $"depth rel err {RelErr(D(fwd.Depth), reference.Depth)}");
        var radii = fwd.Radii.data<int>().ToArray();
        var mismatches = radii.Zip(reference.Radii).Count(p => p.First != p.Second);
        Assert.True(mismatches <= 1, $"{mismatches} radii differ");
        Assert.Contains(radii, r => r == 0);   // the scene has Gaussians behind the camera
        Assert.Contains(radii, r => r > 0);
    }

    private static DScene DScene(int n, int c, int seed, DCamera cam) => NativeTestScenes.Random(n, c, seed, cam);

    [Fact]
    public void EmptySceneGivesBackground()
    {
        using var scope = NewDisposeScope();
        var dcam = Camera(20, 17, 1);
        var scene = NativeTestScenes.Random(0, 2, 1, dcam);
        var settings = new RasterSettings { Background = new[] { 0.25f, 0.5f } };
        var backend = NativeBackends.Get(false);
        var inputs = Inputs(scene);
        using var fwd = backend.Forward(inputs, ToCamera(dcam), settings);
        Assert.Equal(0.0, fwd.Alpha.abs().max().item<float>());
        Assert.Equal(0.25f, fwd.Colors[.., .., 0].min().item<float>());
        Assert.Equal(0.5f, fwd.Colors[.., .., 1].max().item<float>());
        Assert.Equal(0, fwd.Radii.numel());
        using var g = backend.Backward(inputs, ToCamera(dcam), settings, fwd, ones(17, 20, 2), ones(17, 20), null);
        Assert.Equal(new long[] { 0, 3 }, g.Means.shape);
    }

    [Fact]
    public void AllCulledGivesBackgroundAndZeroGradients()
    {
        using var scope = NewDisposeScope();
        var dcam = Camera(40, 30, 2);
        var scene = NativeTestScenes.Random(50, 3, 2, dcam, extremes: false);
        // move everything behind the camera: negate camera-space depth by reflecting through the camera centre
        for (var i = 0; i < scene.N; i++)
            for (var a = 0; a < 3; a++) scene.Means[3 * i + a] = -scene.Means[3 * i + a] - 10 * dcam.R[6 + a];
        var backend = NativeBackends.Get(false);
        var inputs = Inputs(scene);
        using var fwd = backend.Forward(inputs, ToCamera(dcam), new RasterSettings());
        Assert.Equal(0, fwd.Radii.abs().sum().item<long>());
        Assert.Equal(0f, fwd.Colors.abs().max().item<float>());
        Assert.Equal(0f, fwd.Alpha.abs().max().item<float>());
        using var g = backend.Backward(inputs, ToCamera(dcam), new RasterSettings(), fwd, ones(30, 40, 3), ones(30, 40), ones(30, 40));
        foreach (var t in new[] { g.Means, g.Scales, g.Quats, g.Opacities, g.Colors, g.Means2d })
            Assert.Equal(0f, t.abs().max().item<float>());
    }

    [Theory]
    [InlineData("Means")]
    [InlineData("Scales")]
    [InlineData("Quats")]
    [InlineData("Opacities")]
    [InlineData("Colors")]
    public void NonFiniteInputIsRejectedByName(string which)
    {
        using var scope = NewDisposeScope();
        var dcam = Camera(16, 16, 3);
        var scene = NativeTestScenes.Random(10, 3, 3, dcam);
        var arr = which switch
        {
            "Means" => scene.Means, "Scales" => scene.Scales, "Quats" => scene.Quats, "Opacities" => scene.Opacities, _ => scene.Colors,
        };
        arr[arr.Length - 1] = which == "Scales" ? double.PositiveInfinity : double.NaN;
        var ex = Assert.ThrowsAny<ArgumentException>(() => NativeBackends.Get(false).Forward(Inputs(scene), ToCamera(dcam), new RasterSettings()));
        Assert.Contains(which, ex.Message);
    }

    [Fact]
    public void WrongBackgroundLengthIsRejected()
    {
        using var scope = NewDisposeScope();
        var dcam = Camera(16, 16, 3);
        var scene = NativeTestScenes.Random(10, 3, 3, dcam);
        var ex = Assert.Throws<ArgumentException>(() =>
            NativeBackends.Get(false).Forward(Inputs(scene), ToCamera(dcam), new RasterSettings { Background = new[] { 1f } }));
        Assert.Contains("Background", ex.Message);
    }

    [Fact]
    public void ForwardAndBackwardAreDeterministicAndIsaPathsAgree()
    {
        using var scope = NewDisposeScope();
        var dcam = Camera(70, 45, 7);
        var scene = NativeTestScenes.Random(400, 4, 7, dcam);
        var inputs = Inputs(scene);
        var cam = ToCamera(dcam);
        var gC = rand(45, 70, 4, generator: new TorchSharp.torch.Generator(7));
        double[][] Run(bool baseline)
        {
            var b = NativeBackends.Get(baseline);
            using var f = b.Forward(inputs, cam, new RasterSettings());
            using var g = b.Backward(inputs, cam, new RasterSettings(), f, gC, null, null);
            return new[] { D(f.Colors), D(g.Means), D(g.Scales), D(g.Quats), D(g.Opacities), D(g.Colors), D(g.Means2d) };
        }
        var a = Run(false); var b2 = Run(false); var c = Run(true);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b2[i]);                          // bitwise reproducible
            Assert.True(RelErr(c[i], a[i]) < 1e-4, $"output {i}: AVX2 vs baseline rel err {RelErr(c[i], a[i])}");
        }
    }
}
