using CoSeg.Rendering;
using CoSeg.Rendering.Reference;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

/// <summary>
/// The ILGPU backend (CPU accelerator here) against the dense reference, with both blending kernels: the
/// one-thread-per-tile kernels the CPU accelerator uses and the shared-memory tile-group kernels GPUs use. Errors are
/// relative norms ‖a−b‖/‖b‖ per tensor.
/// </summary>
public class IlgpuRasterizerTests(ITestOutputHelper output)
{
    private static readonly Lazy<CoSeg.Rendering.Ilgpu.IlgpuRasterizer> GroupKernels = new(() => new() { UseGroupKernels = true });

    private static IRasterizerBackend Backend(bool groupKernels) => groupKernels ? GroupKernels.Value : RasterizerBackends.Get("ilgpu");

    [Theory]
    [InlineData(64, 64, 300, 3, 1, false)]
    [InlineData(53, 37, 200, 5, 2, false)]
    [InlineData(64, 64, 300, 3, 1, true)]
    [InlineData(53, 37, 200, 5, 2, true)]
    public void Forward_matches_reference(int w, int h, int n, int channels, int seed, bool groupKernels)
    {
        var ilgpu = Backend(groupKernels);
        var cam = RasterTestScenes.Camera(w, h);
        var x = RasterTestScenes.Random(n, channels, seed);
        var settings = new RasterSettings { Background = Enumerable.Range(0, channels).Select(i => 0.1f * i).ToArray() };
        using var a = ilgpu.Forward(x, cam, settings);
        using var b = new ReferenceRasterizer().Forward(x, cam, settings);
        long radiiMismatch = a.Radii.ne(b.Radii).sum().item<long>();
        Assert.True(radiiMismatch == 0, $"{radiiMismatch} radii differ");
        double ec = RasterTestScenes.RelErr(a.Colors, b.Colors), ea = RasterTestScenes.RelErr(a.Alpha, b.Alpha), ed = RasterTestScenes.RelErr(a.Depth, b.Depth);
        output.WriteLine($"colors {ec:E2} alpha {ea:E2} depth {ed:E2}; visible {a.Radii.count_nonzero().item<long>()}/{n}");
        Assert.True(b.Alpha.max().item<float>() > 0.5f, "scene should cover the image");
        Assert.True(ec < 1e-4, $"colors rel err {ec}");
        Assert.True(ea < 1e-4, $"alpha rel err {ea}");
        Assert.True(ed < 1e-4, $"depth rel err {ed}");
    }

    [Theory]
    [InlineData(64, 64, 300, 3, 4, false)]
    [InlineData(53, 37, 150, 4, 5, false)]
    [InlineData(64, 64, 300, 3, 4, true)]
    [InlineData(53, 37, 150, 4, 5, true)]
    public void Gradients_match_reference_autograd(int w, int h, int n, int channels, int seed, bool groupKernels)
    {
        var ilgpu = Backend(groupKernels);
        var cam = RasterTestScenes.Camera(w, h);
        var x = RasterTestScenes.Random(n, channels, seed);
        var settings = new RasterSettings { Background = Enumerable.Range(0, channels).Select(i => 0.3f).ToArray() };
        using var gC = torch.randn(h, w, channels, generator: torch.manual_seed(seed));
        using var gA = torch.randn(h, w, generator: torch.manual_seed(seed + 1));
        using var gD = torch.randn(h, w, generator: torch.manual_seed(seed + 2));
        using var fa = ilgpu.Forward(x, cam, settings);
        var reference = new ReferenceRasterizer();
        using var fb = reference.Forward(x, cam, settings);
        using var ga = ilgpu.Backward(x, cam, settings, fa, gC, gA, gD);
        using var gb = reference.Backward(x, cam, settings, fb, gC, gA, gD);
        var pairs = new (Tensor A, Tensor B, string Name)[]
        {
            (ga.Means, gb.Means, "means"), (ga.Scales, gb.Scales, "scales"), (ga.Quats, gb.Quats, "quats"),
            (ga.Opacities, gb.Opacities, "opacities"), (ga.Colors, gb.Colors, "colors"), (ga.Means2d, gb.Means2d, "means2d"),
        };
        foreach (var (a, b, name) in pairs)
        {
            double e = RasterTestScenes.RelErr(a, b);
            output.WriteLine($"{name}: {e:E2} (|ref| = {b.norm().item<float>():G4})");
            Assert.True(b.norm().item<float>() > 0, $"{name}: reference gradient is zero");
            Assert.True(e < 1e-3, $"{name}: relative error {e}");
        }
    }
}

/// <summary>On the CPU accelerator the backward sums per-pair partials in a fixed order: repeated calls agree bit for bit.</summary>
public class IlgpuDeterminismTests
{
    [Fact]
    public void Cpu_backward_is_bitwise_repeatable()
    {
        var ilgpu = RasterizerBackends.Get("ilgpu");
        var cam = RasterTestScenes.Camera(80, 64);
        var x = RasterTestScenes.Random(3000, 3, seed: 21);
        var settings = new RasterSettings();
        using var gC = torch.randn(64, 80, 3, generator: torch.manual_seed(22));
        Tensor[] Run()
        {
            using var f = ilgpu.Forward(x, cam, settings);
            using var g = ilgpu.Backward(x, cam, settings, f, gC, null, null);
            return new[] { g.Means.clone(), g.Scales.clone(), g.Quats.clone(), g.Opacities.clone(), g.Colors.clone(), g.Means2d.clone() };
        }
        var a = Run();
        for (int rep = 0; rep < 3; rep++)
        {
            var b = Run();
            for (int i = 0; i < a.Length; i++)
                Assert.True(a[i].eq(b[i]).all().item<bool>(), $"gradient {i} differs on repeat {rep}");
        }
        Assert.True(a[0].abs().sum().item<float>() > 0, "the scene should have gradients");
    }
}

/// <summary>The accelerator-side scan and key-bit radix sort (what GPUs run) give the reference image too.</summary>
public class IlgpuAcceleratorSortTests
{
    [Fact]
    public void Accelerator_scan_and_radix_sort_match_reference()
    {
        using var backend = new CoSeg.Rendering.Ilgpu.IlgpuRasterizer { UseAcceleratorSort = true };
        var cam = RasterTestScenes.Camera(40, 24);
        var x = RasterTestScenes.Random(50, 3, seed: 12);
        using var a = backend.Forward(x, cam, new RasterSettings());
        using var b = new CoSeg.Rendering.Reference.ReferenceRasterizer().Forward(x, cam, new RasterSettings());
        Assert.True(b.Alpha.max().item<float>() > 0.3f);
        Assert.True(RasterTestScenes.RelErr(a.Colors, b.Colors) < 1e-4);
        a.State?.Dispose();
    }
}
