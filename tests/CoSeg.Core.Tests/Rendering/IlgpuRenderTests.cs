using CoSeg.Gaussians;
using CoSeg.Rendering;
using CoSeg.Tests.Infrastructure;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

/// <summary>
/// The public API on the ILGPU backend against the same API on the reference backend: scene-parameter gradients
/// (log-scales, SH, ...) and channel gradients, as relative norms ‖a−b‖/‖b‖.
/// </summary>
public class IlgpuRenderTests(ITestOutputHelper output)
{
    private static Tensor[] Params(GaussianScene s) => new[] { s.Means, s.LogScales, s.Rotations, s.OpacityLogits, s.ShCoefficients };
    private static readonly string[] Names = { "means", "log-scales", "quats", "opacity logits", "SH" };

    private (Tensor Image, Tensor[] Grads, Tensor Means2dGrad, Tensor? ChannelGrad) Run(string backend, int seed, bool channels)
    {
        using var scene = RasterizerApiTests.Scene(120, 3, seed);
        foreach (var t in Params(scene)) t.requires_grad_(true);
        var cam = RasterTestScenes.Camera(40, 33);
        var feats = torch.rand(120, 7, generator: torch.manual_seed(seed)).requires_grad_(true);
        var opts = new RenderOptions { Backend = backend };
        using var r = channels ? Rasterizer.RenderChannels(scene, feats, cam, opts) : Rasterizer.Render(scene, cam, opts);
        using var w = torch.rand(r.Image.shape, generator: torch.manual_seed(seed + 1));
        ((r.Image * w).sum() + 0.3 * r.Alpha.sum() + 0.05 * r.Depth.sum()).backward();
        return (r.Image.detach().clone(), Params(scene).Select(t => t.grad is null ? torch.zeros(1) : t.grad.clone()).ToArray(), r.Means2d.grad!.clone(),
                channels ? feats.grad!.clone() : null);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Render_and_RenderChannels_gradients_match_reference(bool channels)
    {
        var a = Run("ilgpu", 21, channels);
        var b = Run("reference", 21, channels);
        double ei = RasterTestScenes.RelErr(a.Image, b.Image);
        output.WriteLine($"image {ei:E2}");
        Assert.True(ei < 1e-4);
        for (int i = 0; i < 5; i++)
        {
            if (channels && i == 4) continue; // SH is not used by RenderChannels
            double e = RasterTestScenes.RelErr(a.Grads[i], b.Grads[i]);
            output.WriteLine($"{Names[i]} {e:E2}");
            Assert.True(e < 1e-3, $"{Names[i]}: {e}");
        }
        Assert.True(RasterTestScenes.RelErr(a.Means2dGrad, b.Means2dGrad) < 1e-3);
        if (channels) Assert.True(RasterTestScenes.RelErr(a.ChannelGrad!, b.ChannelGrad!) < 1e-3);
    }

    [Fact]
    public void Unproject_matches_reference()
    {
        var x = RasterTestScenes.Random(150, 3, seed: 9);
        var cam = RasterTestScenes.Camera(45, 30);
        using var feats = torch.rand(30, 45, 6, generator: torch.manual_seed(3));
        var results = new List<(Tensor F, Tensor W)>();
        foreach (var name in new[] { "ilgpu", "reference" })
        {
            var f = torch.zeros(150, 6); var w = torch.zeros(150);
            RasterizerBackends.Get(name).Unproject(x, cam, new RasterSettings(), feats, f, w);
            RasterizerBackends.Get(name).Unproject(x, cam, new RasterSettings(), feats, f, w); // accumulates
            results.Add((f, w));
        }
        Assert.True(results[1].W.sum().item<float>() > 1f);
        Assert.True(RasterTestScenes.RelErr(results[0].F, results[1].F) < 1e-4);
        Assert.True(RasterTestScenes.RelErr(results[0].W, results[1].W) < 1e-4);
    }

    [SkippableFact]
    public void Renders_the_inria_ply_from_a_camera_looking_at_its_centre()
    {
        var path = SharedData.Require("ply/inria_3dgs_iter7000.ply");
        using var scene = GaussianScene.LoadPly(path);
        using var noGrad = torch.no_grad();
        // Robust centre and spread of the trained points (medians ignore far-away background Gaussians).
        double cx = scene.Means[.., 0].median().item<float>(), cy = scene.Means[.., 1].median().item<float>(), cz = scene.Means[.., 2].median().item<float>();
        var centre = torch.tensor(new[] { (float)cx, (float)cy, (float)cz });
        var spread = (scene.Means - centre).abs().median().item<float>();
        var cam = LookAtCamera.Create((cx + 4 * spread, cy + 4 * spread, cz + 4 * spread), (cx, cy, cz), (0, 0, 1), 64, 48, 60);
        using var r = Rasterizer.Render(scene, cam, new RenderOptions { Backend = "ilgpu" });
        Assert.True(torch.isfinite(r.Image).all().item<bool>());
        double covered = (r.Alpha > 0.5f).to(ScalarType.Float32).mean().item<float>();
        output.WriteLine($"{scene.Count} Gaussians, visible {r.Radii.count_nonzero().item<long>()}, covered {covered:P1}, mean colour {r.Image.mean().item<float>():F3}");
        Assert.True(covered > 0.05, "the rendered scene should cover part of the image");
        Assert.True(r.Image.std().item<float>() > 0.01f, "the image should not be flat");
    }
}
