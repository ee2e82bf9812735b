using CoSeg.Rendering;
using CoSeg.Rendering.Ilgpu;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

/// <summary>The ILGPU SH kernels against the TorchSharp SH maths and its autograd (relative norms ‖a−b‖/‖b‖).</summary>
public class ShKernelTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Sh_kernels_match_torch_autograd(int degree)
    {
        var ilgpu = (IlgpuRasterizer)RasterizerBackends.Get("ilgpu");
        var centre = (0.3, -0.2, -1.5);
        int n = 200;
        var means = (torch.randn(n, 3, generator: torch.manual_seed(degree)) * 2).requires_grad_(true);
        var sh = (torch.randn(n, 16, 3, generator: torch.manual_seed(10 + degree)) * 2.0).requires_grad_(true); // some channels clamp
        var w = torch.randn(n, 3, generator: torch.manual_seed(20 + degree));
        var a = ShFunction.apply(ilgpu, centre, degree, sh, means)[0];
        (a * w).sum().backward();
        var gShA = sh.grad!.clone(); var gMA = means.grad!.clone();
        sh.grad!.zero_(); means.grad!.zero_();
        var b = ShEvaluator.Evaluate(sh, means, centre, degree);
        (b * w).sum().backward();
        Assert.True((b == 0).any().item<bool>(), "the test should include clamped colours");
        Assert.True(RasterTestScenes.RelErr(a, b) < 1e-5);
        Assert.True(RasterTestScenes.RelErr(gShA, sh.grad!) < 1e-5, $"SH grad {RasterTestScenes.RelErr(gShA, sh.grad!)}");
        if (degree > 0) Assert.True(RasterTestScenes.RelErr(gMA, means.grad!) < 1e-4, $"means grad {RasterTestScenes.RelErr(gMA, means.grad!)}");
        else Assert.Equal(0f, gMA.abs().max().item<float>());
    }
}
