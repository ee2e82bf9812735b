using CoSeg.Rendering;
using CoSeg.Rendering.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

public class ReferenceRasterizerTests
{
    /// <summary>The oracle's autograd gradients match central finite differences in float64.</summary>
    [Fact]
    public void Reference_gradients_match_finite_differences_in_float64()
    {
        var cam = RasterTestScenes.Camera(21, 18);
        var inputs = RasterTestScenes.Random(10, 2, seed: 3, dtype: ScalarType.Float64);
        var settings = new RasterSettings { Background = new[] { 0.2f, 0.7f } };
        var rng = new Random(5);
        using var gC = torch.rand(18, 21, 2, dtype: ScalarType.Float64, generator: torch.manual_seed(7));
        using var gA = torch.rand(18, 21, dtype: ScalarType.Float64, generator: torch.manual_seed(8));
        using var gD = torch.rand(18, 21, dtype: ScalarType.Float64, generator: torch.manual_seed(9));
        var backend = new ReferenceRasterizer();

        double Loss(RasterInputs x)
        {
            using var s = torch.NewDisposeScope();
            using var f = backend.Forward(x, cam, settings);
            return ((f.Colors * gC).sum() + (f.Alpha * gA).sum() + (f.Depth * gD).sum()).item<double>();
        }

        using var fwd = backend.Forward(inputs, cam, settings);
        Assert.True(fwd.Alpha.max().item<double>() > 0.1, "the test scene should cover part of the image");
        using var grads = backend.Backward(inputs, cam, settings, fwd, gC, gA, gD);
        var pairs = new (Tensor Param, Tensor Grad, string Name)[]
        {
            (inputs.Means, grads.Means, "means"), (inputs.Scales, grads.Scales, "scales"), (inputs.Quats, grads.Quats, "quats"),
            (inputs.Opacities, grads.Opacities, "opacities"), (inputs.Colors, grads.Colors, "colors"),
        };
        const double eps = 1e-6;
        foreach (var (param, grad, name) in pairs)
        {
            var flat = param.view(-1);
            var g = grad.reshape(-1);
            var fd = new double[flat.shape[0]];
            var an = new double[flat.shape[0]];
            for (long i = 0; i < flat.shape[0]; i++)
            {
                double v = flat[i].item<double>();
                flat[i] = v + eps; double lp = Loss(inputs);
                flat[i] = v - eps; double lm = Loss(inputs);
                flat[i] = v;
                fd[i] = (lp - lm) / (2 * eps);
                an[i] = g[i].item<double>();
            }
            double num = Math.Sqrt(fd.Zip(an, (a, b) => (a - b) * (a - b)).Sum());
            double den = Math.Sqrt(fd.Sum(a => a * a));
            Assert.True(den > 1e-6, $"{name}: finite-difference gradient is zero; the test scene is degenerate");
            Assert.True(num / den < 1e-5, $"{name}: relative error {num / den:E3} between autograd and finite differences");
        }
    }

    /// <summary>A single isotropic Gaussian at the image centre: closed-form colour at the centre pixel.</summary>
    [Fact]
    public void Reference_single_gaussian_matches_closed_form()
    {
        var cam = new CoSeg.Geometry.Camera(32, 32, 40, 40, 16.5, 16.5, new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 0 });
        var inputs = new RasterInputs(torch.tensor(new[] { 0.0, 0, 4 }).reshape(1, 3), torch.tensor(new[] { 0.1, 0.1, 0.1 }).reshape(1, 3),
            torch.tensor(new[] { 1.0, 0, 0, 0 }).reshape(1, 4), torch.tensor(new[] { 0.8 }), torch.tensor(new[] { 1.0 }).reshape(1, 1));
        using var f = new ReferenceRasterizer().Forward(inputs, cam, new RasterSettings());
        // Pixel (16,16) has its centre at (16.5,16.5) = mean2d, so α = o = 0.8.
        Assert.Equal(0.8, f.Colors[16, 16, 0].item<double>(), 6);
        Assert.Equal(0.8 * 4, f.Depth[16, 16].item<double>(), 5);
        // One pixel to the right: Σ2d = (40·0.1/4)² + 0.3 = 1.3 → α = 0.8·exp(−0.5/1.3).
        Assert.Equal(0.8 * Math.Exp(-0.5 / 1.3), f.Colors[16, 17, 0].item<double>(), 6);
        Assert.Equal(Math.Ceiling(3 * Math.Sqrt(1.3)), f.Radii[0].item<int>());
    }
}
