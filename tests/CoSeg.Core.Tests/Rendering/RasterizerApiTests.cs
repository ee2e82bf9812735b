using CoSeg.Gaussians;
using CoSeg.Rendering;
using CoSeg.Rendering.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

public class RasterizerApiTests
{
    internal static GaussianScene Scene(int n, int shDegree, int seed)
    {
        var x = RasterTestScenes.Random(n, 3, seed);
        int k = (shDegree + 1) * (shDegree + 1);
        var sh = torch.randn(n, k, 3, generator: torch.manual_seed(seed)) * 0.3;
        return new GaussianScene(x.Means, x.Scales.log(), x.Quats, torch.logit(x.Opacities), sh);
    }

    /// <summary>Render's autograd (through SH, exp, sigmoid and the rasterizer) equals plain autograd through the dense maths.</summary>
    [Fact]
    public void Render_gradients_equal_plain_autograd_through_reference_maths()
    {
        using var scene = Scene(40, 2, seed: 11);
        foreach (var t in new[] { scene.Means, scene.LogScales, scene.Rotations, scene.OpacityLogits, scene.ShCoefficients }) t.requires_grad_(true);
        var cam = RasterTestScenes.Camera(24, 20);
        var opts = new RenderOptions { Backend = "reference", Settings = new RasterSettings { Background = new[] { 0.1f, 0.2f, 0.3f } } };
        using var w = torch.rand(20, 24, 3, generator: torch.manual_seed(2));
        using var r = Rasterizer.Render(scene, cam, opts);
        Assert.Equal(new long[] { 20, 24, 3 }, r.Image.shape);
        ((r.Image * w).sum() + r.Alpha.sum() + 0.1 * r.Depth.sum()).backward();
        var ours = new[] { scene.Means.grad!, scene.LogScales.grad!, scene.Rotations.grad!, scene.OpacityLogits.grad!, scene.ShCoefficients.grad! }
            .Select(g => g.clone()).ToArray();
        Assert.NotNull(r.Means2d.grad);
        foreach (var t in new[] { scene.Means, scene.LogScales, scene.Rotations, scene.OpacityLogits, scene.ShCoefficients }) t.grad!.zero_();

        // Plain path: same maths without the custom function.
        var colors = ShEvaluator.Evaluate(scene.ShCoefficients, scene.Means, cam.Center, 2);
        var d = ReferenceRasterizer.Compute(new RasterInputs(scene.Means, scene.LogScales.exp(), scene.Rotations, scene.OpacityLogits.sigmoid(), colors),
                                            ProjectionParams.Create(cam, opts.Settings), null);
        Assert.True(RasterTestScenes.RelErr(r.Image, d.Colors) < 1e-6);
        ((d.Colors * w).sum() + d.Alpha.sum() + 0.1 * d.Depth.sum()).backward();
        var plain = new[] { scene.Means.grad!, scene.LogScales.grad!, scene.Rotations.grad!, scene.OpacityLogits.grad!, scene.ShCoefficients.grad! };
        for (int i = 0; i < 5; i++)
            Assert.True(RasterTestScenes.RelErr(ours[i], plain[i]) < 1e-5, $"tensor {i}: {RasterTestScenes.RelErr(ours[i], plain[i])}");
    }

    [Fact]
    public void Render_rejects_nan_parameters_with_a_clear_message()
    {
        using var scene = Scene(5, 0, seed: 1);
        scene.LogScales[2, 1] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => Rasterizer.Render(scene, RasterTestScenes.Camera(16, 16), new RenderOptions { Backend = "reference" }));
        Assert.Contains("LogScales", ex.Message);
    }
}
