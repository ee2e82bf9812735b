using CoSeg.Gaussians;
using CoSeg.Rendering;
using CoSeg.Rendering.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

public class RasterizerEdgeCaseTests
{
    [Theory]
    [InlineData("ilgpu")]
    [InlineData("reference")]
    public void Zero_gaussians_give_the_background(string backend)
    {
        using var scene = new GaussianScene(torch.zeros(0, 3), torch.zeros(0, 3), torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, 1, 3));
        var opts = new RenderOptions { Backend = backend, Settings = new RasterSettings { Background = new[] { 0.25f, 0.5f, 1f } } };
        using var r = Rasterizer.Render(scene, RasterTestScenes.Camera(20, 17), opts);
        Assert.Equal(new long[] { 17, 20, 3 }, r.Image.shape);
        Assert.Equal(0.25f, r.Image[5, 7, 0].item<float>());
        Assert.Equal(1f, r.Image[16, 19, 2].item<float>());
        Assert.Equal(0f, r.Alpha.abs().max().item<float>());
        Assert.Equal(0, r.Radii.shape[0]);
    }

    [Theory]
    [InlineData("ilgpu")]
    [InlineData("reference")]
    public void All_culled_gives_the_background_and_zero_gradients(string backend)
    {
        // Behind the camera, beyond the far plane, or far outside the image.
        var means = torch.tensor(new float[] { 0, 0, -2, 0, 0, 50, 100, 0, 3 }).reshape(3, 3);
        using var scene = new GaussianScene(means, torch.full(3, 3, -3f), torch.tensor(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 }).reshape(3, 4),
                                            torch.zeros(3), torch.ones(3, 1, 3));
        scene.Means.requires_grad_(true);
        var opts = new RenderOptions { Backend = backend, Settings = new RasterSettings { FarPlane = 20, Background = new[] { 0.5f, 0.5f, 0.5f } } };
        using var r = Rasterizer.Render(scene, RasterTestScenes.Camera(32, 32), opts);
        Assert.Equal(0, r.Radii.count_nonzero().item<long>());
        Assert.True((r.Image - 0.5f).abs().max().item<float>() < 1e-7f);
        r.Image.sum().backward();
        Assert.Equal(0f, scene.Means.grad!.abs().sum().item<float>());
    }

    [Theory]
    [InlineData("ilgpu", "Means")]
    [InlineData("ilgpu", "Rotations")]
    [InlineData("reference", "OpacityLogits")]
    [InlineData("ilgpu", "ShCoefficients")]
    public void Nan_parameters_throw_naming_the_tensor(string backend, string which)
    {
        var x = RasterTestScenes.Random(6, 3, seed: 1);
        using var scene = new GaussianScene(x.Means, x.Scales.log(), x.Quats, torch.logit(x.Opacities), torch.zeros(6, 4, 3));
        var t = which switch { "Means" => scene.Means, "Rotations" => scene.Rotations, "OpacityLogits" => scene.OpacityLogits, _ => scene.ShCoefficients };
        t.view(-1)[1] = float.PositiveInfinity * 0; // NaN
        var ex = Assert.Throws<ArgumentException>(() => Rasterizer.Render(scene, RasterTestScenes.Camera(16, 16), new RenderOptions { Backend = backend }));
        Assert.Contains(which, ex.Message);
    }

    [Fact]
    public void Channels_with_wrong_shape_are_rejected()
    {
        var x = RasterTestScenes.Random(6, 3, seed: 1);
        using var scene = new GaussianScene(x.Means, x.Scales.log(), x.Quats, torch.logit(x.Opacities), torch.zeros(6, 1, 3));
        Assert.Throws<ArgumentException>(() => Rasterizer.RenderChannels(scene, torch.zeros(5, 2), RasterTestScenes.Camera(16, 16)));
        Assert.Throws<ArgumentException>(() => Rasterizer.RenderChannels(scene, torch.zeros(6, 2), RasterTestScenes.Camera(16, 16),
            new RenderOptions { Settings = new RasterSettings { Background = new[] { 1f } } }));
        Assert.Throws<ArgumentException>(() => Rasterizer.Render(scene, RasterTestScenes.Camera(16, 16), new RenderOptions { Backend = "vulkan" }));
    }
}
