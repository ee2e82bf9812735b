using BenchmarkDotNet.Attributes;
using CoSeg.Gaussians;
using CoSeg.Reconstruction;
using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Benchmarks;

/// <summary>
/// Training throughput: one benchmark op = 20 trainer iterations (render, L1+SSIM, backward, Adam, stats) on a generated
/// scene of <see cref="Gaussians"/> random Gaussians fitted to renders of another random scene at <see cref="Size"/>².
/// Run: dotnet run -c Release --project benchmarks/CoSeg.Benchmarks -- --filter '*Reconstruction*' --job short
/// </summary>
[MemoryDiagnoser]
public class ReconstructionBenchmarks
{
    private const int Steps = 20;
    private TrainingData _data = null!;
    private GaussianScene _start = null!;

    [Params("auto", "reference")] public string Backend { get; set; } = "auto";
    [Params(2000)] public int Gaussians { get; set; }
    [Params(64)] public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var truth = GaussianInitializer.RandomInCube(Gaussians, (0, 0, 0), 0.8, 0, 1);
        _start = GaussianInitializer.RandomInCube(Gaussians, (0, 0, 0), 0.8, 0, 2);
        var views = new List<TrainingView>();
        foreach (var cam in LookAtCamera.Orbit((0, 0, 0), 4, (0, -1, 0), 8, Size, Size))
        {
            using var r = Rasterizer.Render(truth, cam, new RenderOptions { Backend = Backend });
            var img = r.Image.detach().clone();
            views.Add(new TrainingView(cam, () => (img.clone(), null)));
        }
        _data = new TrainingData(views, null, null, [0f, 0f, 0f], false);
    }

    [Benchmark(Description = "20 training iterations")]
    public long Train20()
    {
        using var s = Reconstructor.Train(_start, _data, new ReconstructOptions
        {
            Iterations = Steps, Backend = Backend, ShDegree = 0, DensifyFrom = 5, DensifyInterval = 10, DensifyUntil = 1000,
        });
        return s.Count;
    }

    [GlobalCleanup]
    public void Cleanup() => _start.Dispose();
}
