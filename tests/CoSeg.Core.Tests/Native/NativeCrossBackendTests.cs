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
        // vs ILGPU (both float32) a single pixel–Gaussian pair flipping at the 1/255 threshold moves alpha by ~1e-4 on
        // seed 45; native is held to 1e-4 against the double-precision reference on that very scene
        // (NativeForwardTests.ForwardMatchesDenseReference), so the ILGPU comparison allows 3e-4.
        var tol = other == "ilgpu" ? 3e-4 : 1e-4;
        Assert.True(RelErr(D(fN.Colors), D(fO.Colors)) < tol, $"colours {RelErr(D(fN.Colors), D(fO.Colors))}");
        Assert.True(RelErr(D(fN.Alpha), D(fO.Alpha)) < tol, $"alpha {RelErr(D(fN.Alpha), D(fO.Alpha))}");
        Assert.True(RelErr(D(fN.Depth), D(fO.Depth)) < tol, $"depth {RelErr(D(fN.Depth), D(fO.Depth))}");
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
