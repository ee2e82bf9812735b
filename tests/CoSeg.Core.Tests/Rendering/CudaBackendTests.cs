using System.Diagnostics;
using CoSeg.Rendering;
using CoSeg.Rendering.Ilgpu;
using CoSeg.Rendering.Native;
using CoSeg.Tests.Native;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

/// <summary>
/// The ILGPU backend on a CUDA accelerator against the CPU results (native backend, and the dense reference on small
/// images): forward, full backward, and the segmentation operations. Skipped with a message when no CUDA GPU is
/// present. scripts/gpu-check.sh runs these (Category=Gpu) and prints one summary line.
/// </summary>
[Trait("Category", "Gpu")]
public class CudaBackendTests(ITestOutputHelper output)
{
    private static readonly Lazy<(IlgpuRasterizer? Backend, string Why)> Cuda = new(() =>
    {
        try
        {
            var device = new IlgpuDevice(preferCuda: true);
            if (device.IsCpu) { device.Dispose(); return (null, "no CUDA GPU (ILGPU found only the CPU accelerator)"); }
            return (new IlgpuRasterizer(device), device.Accelerator.Name);
        }
        catch (Exception e) { return (null, $"CUDA accelerator could not start: {e.Message}"); }
    });

    private static IlgpuRasterizer Gpu()
    {
        Skip.If(Cuda.Value.Backend is null, Cuda.Value.Why);
        return Cuda.Value.Backend!;
    }

    private static IRasterizerBackend Cpu() => NativeBackends.Get(false);

    [SkippableFact]
    public void ForwardAndBackwardMatchTheCpu()
    {
        var gpu = Gpu();
        using var scope = NewDisposeScope();
        var (x, cam) = SyntheticSplatScene.Create(20_000, 256, 192, 4, seed: 3);
        var view = ProjectionParams.Create(cam, new RasterSettings { Background = new[] { 0.1f, 0.2f, 0.3f, 0.4f } });
        var gC = randn(192, 256, 4, generator: new Generator(1));
        var gA = randn(192, 256, generator: new Generator(2));
        using var fg = gpu.Forward(x, view);
        using var fc = Cpu().Forward(x, view);
        Assert.True(RasterTestScenes.RelErr(fg.Colors, fc.Colors) < 1e-4, $"colours {RasterTestScenes.RelErr(fg.Colors, fc.Colors)}");
        Assert.True(RasterTestScenes.RelErr(fg.Alpha, fc.Alpha) < 1e-4);
        Assert.True(RasterTestScenes.RelErr(fg.Depth, fc.Depth) < 1e-4);
        Assert.Equal(0L, fg.Radii.ne(fc.Radii).sum().item<long>());
        using var gg = gpu.Backward(x, view, fg, gC, gA, null);
        using var gcpu = Cpu().Backward(x, view, fc, gC, gA, null);
        foreach (var (name, a, b) in new[] { ("means", gg.Means, gcpu.Means), ("scales", gg.Scales, gcpu.Scales), ("quats", gg.Quats, gcpu.Quats),
                                             ("opacities", gg.Opacities, gcpu.Opacities), ("colors", gg.Colors, gcpu.Colors), ("means2d", gg.Means2d, gcpu.Means2d) })
        {
            double e = RasterTestScenes.RelErr(a, b);
            output.WriteLine($"{name}: rel err {e:E2}");
            Assert.True(e < 1e-3, $"{name}: rel err {e}");
        }
    }

    [SkippableFact]
    public void SegmentationOperationsMatchTheCpu()
    {
        var gpu = Gpu();
        using var scope = NewDisposeScope();
        const int k = 6;
        var (x, cam) = SyntheticSplatScene.Create(20_000, 200, 200, k, seed: 4);
        var view = ProjectionParams.Create(cam);
        var gC = randn(200, 200, k, generator: new Generator(5));
        using var fg = gpu.Forward(x, view);
        using var fc = Cpu().Forward(x, view);
        var chG = gpu.BackwardChannels(x, view, fg, gC);
        var chC = Cpu().BackwardChannels(x, view, fc, gC);
        Assert.True(RasterTestScenes.RelErr(chG, chC) < 1e-3, $"channels backward {RasterTestScenes.RelErr(chG, chC)}");
        var wG = zeros(x.Count); var wC = zeros(x.Count);
        gpu.AccumulateWeights(x, view, wG); Cpu().AccumulateWeights(x, view, wC);
        Assert.True(RasterTestScenes.RelErr(wG, wC) < 1e-4, $"weights {RasterTestScenes.RelErr(wG, wC)}");
        var labels = randint(0, k, new long[] { 200, 200 }, generator: new Generator(6));
        var onehot = nn.functional.one_hot(labels, k).to(ScalarType.Float32).contiguous();
        var vG = zeros(x.Count, k); var vC = zeros(x.Count, k);
        gpu.Unproject(x, view, onehot, vG, zeros(x.Count)); Cpu().Unproject(x, view, onehot, vC, zeros(x.Count));
        Assert.True(RasterTestScenes.RelErr(vG, vC) < 1e-4, $"votes {RasterTestScenes.RelErr(vG, vC)}");
    }

    [SkippableFact]
    public void ShortTiming()
    {
        var gpu = Gpu();
        using var scope = NewDisposeScope();
        var (x, cam) = SyntheticSplatScene.Create(100_000, 800, 800, 3, seed: 7);
        var view = ProjectionParams.Create(cam);
        var gC = rand(800, 800, 3);
        double Median(Func<double> f) { f(); var t = Enumerable.Range(0, 7).Select(_ => f()).OrderBy(v => v).ToArray(); return t[3]; }
        double fwd = Median(() => { var sw = Stopwatch.StartNew(); using var f = gpu.Forward(x, view); return sw.Elapsed.TotalMilliseconds; });
        double both = Median(() => { var sw = Stopwatch.StartNew(); using var f = gpu.Forward(x, view); using var g = gpu.Backward(x, view, f, gC, null, null); return sw.Elapsed.TotalMilliseconds; });
        double seg = Median(() => { var sw = Stopwatch.StartNew(); using var f = gpu.Forward(x, view); using var g = gpu.BackwardChannels(x, view, f, gC); return sw.Elapsed.TotalMilliseconds; });
        string line = $"{Cuda.Value.Why}: 100k Gaussians 800x800 C=3: forward {fwd:F1} ms, forward+backward {both:F1} ms, forward+channels-backward {seg:F1} ms (medians of 7, host<->device copies included)";
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("COSEG_GPU_TIMING_FILE") is { Length: > 0 } file) File.WriteAllText(file, line);
    }
}
