using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CoSeg.Geometry;
using CoSeg.Rendering;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Benchmarks;

/// <summary>
/// Rasterizer forward and forward+backward at 800×800 (a NeRF-synthetic view size) with 10k and 100k random Gaussians,
/// per backend ("ilgpu" = the ILGPU CPU accelerator here, CUDA where present; "native" when that backend is built).
/// Run: <c>dotnet run -c Release --project benchmarks/CoSeg.Benchmarks -- --filter '*Rasterizer*'</c> (the attached config is a
/// short in-process job: one ILGPU-CPU op takes tens of seconds, and generated out-of-process projects miss the
/// libstdc++ fix TorchSharp needs on this Linux).
/// Environment overrides for quick runs: COSEG_BENCH_SIZE (pixels per side), COSEG_BENCH_GAUSSIANS (comma list).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(RasterizerBenchmarkConfig))]
public class RasterizerBenchmarks
{
    private IRasterizerBackend _backend = null!;
    private RasterInputs _inputs = null!;
    private Camera _camera = null!;
    private Tensor _gradColors = null!;
    private readonly RasterSettings _settings = new();

    /// <summary>Number of Gaussians.</summary>
    [ParamsSource(nameof(GaussianCounts))]
    public int Gaussians { get; set; }

    /// <summary>Backend name.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "ilgpu";

    /// <summary>10k and 100k unless COSEG_BENCH_GAUSSIANS overrides.</summary>
    public static IEnumerable<int> GaussianCounts() =>
        (Environment.GetEnvironmentVariable("COSEG_BENCH_GAUSSIANS") ?? "10000,100000").Split(',').Select(int.Parse);

    /// <summary>ILGPU always; native when its library loads.</summary>
    public static IEnumerable<string> Backends() =>
        RasterizerBackends.NativeAvailable() ? new[] { "ilgpu", "native" } : new[] { "ilgpu" };

    /// <summary>Builds a random scene in front of the camera (fixed seed) and warms the backend.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (_inputs, _camera) = CreateScene(Gaussians);
        int size = _camera.Width;
        _gradColors = torch.ones(size, size, 3) / (size * size);
        _backend = RasterizerBackends.Get(Backend);
        using var warm = _backend.Forward(_inputs, _camera, _settings);
        warm.State?.Dispose();
    }

    /// <summary>
    /// The benchmark scene: <paramref name="n"/> random Gaussians (fixed seed) in front of a square camera of
    /// COSEG_BENCH_SIZE pixels (default <paramref name="defaultSize"/>).
    /// </summary>
    internal static (RasterInputs Inputs, Camera Camera) CreateScene(int n, int defaultSize = 800)
    {
        int size = int.TryParse(Environment.GetEnvironmentVariable("COSEG_BENCH_SIZE"), out var s) ? s : defaultSize;
        var camera = new Camera(size, size, 1.1 * size, 1.1 * size, 0.5 * size, 0.5 * size,
                                new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 0 });
        var g = torch.manual_seed(42);
        var z = torch.rand(n, generator: g) * 6 + 2;
        var xy = (torch.rand(n, 2, generator: g) * 2 - 1) * 0.45 * z.unsqueeze(1);
        var inputs = new RasterInputs(torch.cat(new[] { xy, z.unsqueeze(1) }, 1).contiguous(),
                                      torch.rand(n, 3, generator: g) * 0.02 + 0.002, torch.randn(n, 4, generator: g),
                                      torch.rand(n, generator: g) * 0.8 + 0.1, torch.rand(n, 3, generator: g));
        return (inputs, camera);
    }

    /// <summary>Project, bin, sort and blend.</summary>
    [Benchmark]
    public void Forward()
    {
        using var f = _backend.Forward(_inputs, _camera, _settings);
        f.State?.Dispose();
    }

    /// <summary>Forward then backward to every input.</summary>
    [Benchmark]
    public void ForwardBackward()
    {
        using var f = _backend.Forward(_inputs, _camera, _settings);
        using var g = _backend.Backward(_inputs, _camera, _settings, f, _gradColors, null, null);
        f.State?.Dispose();
    }
}

/// <summary>
/// A short in-process job (1 warm-up, 5 measured single invocations) with a long timeout, for operations that take
/// seconds on the ILGPU CPU accelerator.
/// </summary>
public sealed class RasterizerBenchmarkConfig() : InProcessMonitoringConfig(iterations: 5, id: "InProcessShort");

/// <summary>
/// In-process single-invocation jobs (generated out-of-process projects miss the libstdc++ fix TorchSharp needs here):
/// one warm-up, then <c>iterations</c> measured invocations, with a two-hour timeout.
/// </summary>
public abstract class InProcessMonitoringConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    protected InProcessMonitoringConfig(int iterations, string id)
    {
        AddJob(Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(2), logOutput: false))
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(iterations)
            .WithInvocationCount(1).WithUnrollFactor(1)
            .WithId(id));
    }
}
