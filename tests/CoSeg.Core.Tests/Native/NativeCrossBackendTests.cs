using CoSeg.Rendering;
using CoSeg.Rendering.Ilgpu;
using CoSeg.Rendering.Reference;
using static CoSeg.Tests.Native.NativeTestScenes;
using static TorchSharp.torch;

namespace CoSeg.Tests.Native;

/// <summary>The native backend against the dense TorchSharp reference (autograd gradients) and the ILGPU backend.</summary>
public class NativeCrossBackendTests
{
    private static readonly Lazy<IlgpuRasterizer> Ilgpu = new(() => new IlgpuRasterizer());

    private static IRasterizerBackend Other(string name) => name == "reference" ? new ReferenceRasterizer() : Ilgpu.Value;

    [Theory]
    [InlineData("reference", 64, 64, 1, 41)]
    [InlineData("reference", 64, 64, 3, 42)]
    [InlineData("reference", 37, 53, 32, 43)]
    [InlineData("ilgpu", 64, 64, 3, 44)]
    [InlineData("ilgpu", 37, 53, 8, 45)]
    public void ForwardAndGradientsMatch(string other, int w, int h, int c, int seed)
    {
        using var scope = NewDisposeScope();
        var dcam = Camera(w, h, seed);
        var scene = NativeTestScenes.Random(300, c, seed, dcam);
        var rng = new Random(seed);
        var settings = new RasterSettings { Background = Enumerable.Range(0, c).Select(_ => (float)rng.NextDouble()).ToArray() };
        var inputs = Inputs(scene);
        var cam = ToCamera(dcam);
        var gen = new TorchSharp.torch.Generator((ulong)seed);
        var gC = rand(h, w, c, generator: gen) * 2 - 1;
        var gA = rand(h, w, generator: gen) * 2 - 1;
        var gD = (rand(h, w, generator: gen) * 2 - 1) * 0.1f;
        var native = NativeBackends.Get(false);
        var otherBackend = Other(other);
        using var fN = native.Forward(inputs, cam, settings);
        using var fO = otherBackend.Forward(inputs, cam, settings);
        if (other == "ilgpu")
        {
            // Both float32: a Gaussian whose alpha at a pixel lies within float rounding of the 1/255 cut-off can be
            // blended by one backend and skipped by the other (seed 45 has one such pixel: Δalpha = 3e-3, and there
            // native agrees with the double-precision reference to 3e-7). Allow at most one such pixel and hold every
            // other pixel to 1e-4.
            AssertMatchesExceptThresholdFlips(D(fN.Alpha), D(fO.Alpha), 1, 1, "alpha");
            AssertMatchesExceptThresholdFlips(D(fN.Colors), D(fO.Colors), c, 1, "colours");
            AssertMatchesExceptThresholdFlips(D(fN.Depth), D(fO.Depth), 1, 1, "depth");
        }
        else
        {
            Assert.True(RelErr(D(fN.Colors), D(fO.Colors)) < 1e-4, $"colours {RelErr(D(fN.Colors), D(fO.Colors))}");
            Assert.True(RelErr(D(fN.Alpha), D(fO.Alpha)) < 1e-4, $"alpha {RelErr(D(fN.Alpha), D(fO.Alpha))}");
            Assert.True(RelErr(D(fN.Depth), D(fO.Depth)) < 1e-4, $"depth {RelErr(D(fN.Depth), D(fO.Depth))}");
        }
        using var gN = native.Backward(inputs, cam, settings, fN, gC, gA, gD);
        using var gO = otherBackend.Backward(inputs, cam, settings, fO, gC, gA, gD);
        var names = new[] { "Means", "Scales", "Quats", "Opacities", "Colors", "Means2d" };
        var a = new[] { gN.Means, gN.Scales, gN.Quats, gN.Opacities, gN.Colors, gN.Means2d };
        var b = new[] { gO.Means, gO.Scales, gO.Quats, gO.Opacities, gO.Colors, gO.Means2d };
        for (var i = 0; i < a.Length; i++)
        {
            var err = RelErr(D(a[i]), D(b[i]));
            Assert.True(err < 1e-3, $"{names[i]} gradient rel err {err} vs {other}");
        }
    }

    /// <summary>
    /// Relative error ≤ 1e-4 after removing at most <paramref name="maxFlips"/> pixels whose values differ by more than
    /// 1e-4 of the image's largest value (pixels where one Gaussian sits exactly at the alpha cut-off).
    /// </summary>
    private static void AssertMatchesExceptThresholdFlips(double[] a, double[] b, int channels, int maxFlips, string what)
    {
        int pixels = a.Length / channels;
        double scale = b.Select(Math.Abs).Max();
        var flipped = Enumerable.Range(0, pixels)
            .Where(p => Enumerable.Range(0, channels).Any(k => Math.Abs(a[p * channels + k] - b[p * channels + k]) > 1e-4 * scale)).ToHashSet();
        Assert.True(flipped.Count <= maxFlips, $"{what}: {flipped.Count} pixels differ by more than 1e-4 (at most {maxFlips} allowed)");
        var keep = Enumerable.Range(0, a.Length).Where(i => !flipped.Contains(i / channels)).ToArray();
        double err = RelErr(keep.Select(i => a[i]).ToArray(), keep.Select(i => b[i]).ToArray());
        Assert.True(err < 1e-4, $"{what}: rel err {err} on the other pixels");
    }

    /// <summary>Native against ILGPU on exactly the scenes of the ILGPU-vs-reference tests, strictly (1e-4, no exceptions).</summary>
    [Theory]
    [InlineData(64, 64, 300, 3, 1)]
    [InlineData(53, 37, 200, 5, 2)]
    public void ForwardMatchesIlgpuOnRasterizerTestScenes(int w, int h, int n, int channels, int seed)
    {
        using var scope = NewDisposeScope();
        var cam = CoSeg.Tests.Rendering.RasterTestScenes.Camera(w, h);
        var x = CoSeg.Tests.Rendering.RasterTestScenes.Random(n, channels, seed);
        var settings = new RasterSettings { Background = Enumerable.Range(0, channels).Select(i => 0.1f * i).ToArray() };
        using var a = NativeBackends.Get(false).Forward(x, cam, settings);
        using var b = Ilgpu.Value.Forward(x, cam, settings);
        Assert.True(b.Alpha.max().item<float>() > 0.5f, "scene should cover the image");
        Assert.True(RelErr(D(a.Colors), D(b.Colors)) < 1e-4, $"colours {RelErr(D(a.Colors), D(b.Colors))}");
        Assert.True(RelErr(D(a.Alpha), D(b.Alpha)) < 1e-4, $"alpha {RelErr(D(a.Alpha), D(b.Alpha))}");
        Assert.True(RelErr(D(a.Depth), D(b.Depth)) < 1e-4, $"depth {RelErr(D(a.Depth), D(b.Depth))}");
        Assert.Equal(D(b.Radii), D(a.Radii));
    }

    // (Unproject is compared with the dense double-precision weights in NativeUnprojectTests.)
    [Theory]
    [InlineData("ilgpu")]
    public void UnprojectMatches(string other)
    {
        using var scope = NewDisposeScope();
        var dcam = Camera(48, 40, 51);
        var scene = NativeTestScenes.Random(200, 1, 51, dcam);
        var inputs = Inputs(scene);
        var cam = ToCamera(dcam);
        var feats = rand(40, 48, 8, generator: new TorchSharp.torch.Generator(3));
        var fsN = zeros(scene.N, 8); var wsN = zeros(scene.N);
        var fsO = zeros(scene.N, 8); var wsO = zeros(scene.N);
        NativeBackends.Get(false).Unproject(inputs, cam, new RasterSettings(), feats, fsN, wsN);
        Other(other).Unproject(inputs, cam, new RasterSettings(), feats, fsO, wsO);
        Assert.True(RelErr(D(fsN), D(fsO)) < 1e-4, $"feature sums {RelErr(D(fsN), D(fsO))}");
        Assert.True(RelErr(D(wsN), D(wsO)) < 1e-4, $"weight sums {RelErr(D(wsN), D(wsO))}");
    }

    [Fact]
    public void AutoBackendIsNative()
        => Assert.Equal("native", RasterizerBackends.Get("auto").Name);
}
