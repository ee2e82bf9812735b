using CoSeg.Evaluation;
using CoSeg.Reconstruction;
using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Tests.Reconstruction;

/// <summary>
/// The same training run (random initialisation, same seed) on the native and the ILGPU backends ends at the same
/// quality: PSNR on the training views within 0.3 dB (issue #5; the lego runs with densification are in docs/backends.md).
/// </summary>
public sealed class BackendParityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task NativeAndIlgpu_ReachTheSamePsnr()
    {
        var data = TinyScenes.Data(6, 40);
        var psnr = new Dictionary<string, double>();
        foreach (var backend in new[] { "native", "ilgpu" })
        {
            var options = TinyScenes.Options(100) with
            {
                // No densification: its thresholded decisions turn float-rounding differences (ILGPU sums gradients
                // with atomics in varying order) into different Gaussian sets — ±1.3 dB between two runs of this tiny
                // scene — which says nothing about the backends. Without it the two runs follow the same trajectory.
                Backend = backend, InitPoints = 400, RandomInitHalfSide = 1.0, Seed = 3,
            };
            using var scene = await Reconstructor.TrainAsync(data, options, null, CancellationToken.None);
            double sum = 0;
            foreach (var view in data.Views)
            {
                using var scope = NewDisposeScope();
                var (target, _) = view.Load();
                using var r = Rasterizer.Render(scene, view.Camera, new RenderOptions { Backend = "native" });
                sum += Psnr.Compute(r.Image.clamp(0, 1), target);
            }
            psnr[backend] = sum / data.Views.Count;
        }
        output.WriteLine($"training-view PSNR: native {psnr["native"]:F3} dB, ilgpu {psnr["ilgpu"]:F3} dB");
        Assert.True(psnr["native"] > 20, $"the run should fit the scene (native PSNR {psnr["native"]:F2} dB)");
        Assert.True(Math.Abs(psnr["native"] - psnr["ilgpu"]) <= 0.3, $"native {psnr["native"]:F2} dB vs ilgpu {psnr["ilgpu"]:F2} dB");
    }
}
