using BenchmarkDotNet.Attributes;
using CoSeg.Geometry;
using CoSeg.Rendering;
using CoSeg.Rendering.Native;
using static TorchSharp.torch;

namespace CoSeg.Benchmarks;

/// <summary>
/// Native CPU rasterizer at 800×800 with 10k and 100k Gaussians: forward, and forward+backward.
/// Run: <c>dotnet run -c Release --project benchmarks/CoSeg.Benchmarks -- --filter '*NativeRasterizer*'</c>.
/// </summary>
[MemoryDiagnoser]
public class NativeRasterizerBenchmarks
{
    private NativeRasterizerBackend _backend = null!;
    private RasterInputs _inputs = null!;
    private Camera _camera = null!;
    private Tensor _gradColors = null!;
    private readonly RasterSettings _settings = new();

    /// <summary>Number of Gaussians.</summary>
    [Params(10_000, 100_000)]
    public int Gaussians { get; set; }

    /// <summary>Builds the synthetic scene and loads the native library.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _backend = NativeRasterizerBackend.TryCreate(out var why) ?? throw new InvalidOperationException(why);
        (_inputs, _camera) = SyntheticSplatScene.Create(Gaussians, 800, 800, 3, seed: 1);
        _gradColors = rand(800, 800, 3);
    }

    /// <summary>Frees the native contexts.</summary>
    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    /// <summary>Forward pass only.</summary>
    [Benchmark]
    public void Forward()
    {
        using var f = _backend.Forward(_inputs, _camera, _settings);
    }

    /// <summary>Forward then backward.</summary>
    [Benchmark]
    public void ForwardBackward()
    {
        using var f = _backend.Forward(_inputs, _camera, _settings);
        using var g = _backend.Backward(_inputs, _camera, _settings, f, _gradColors, null, null);
    }
}
