using BenchmarkDotNet.Attributes;
using CoSeg.Geometry;
using CoSeg.Rendering;
using CoSeg.Rendering.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Benchmarks;

/// <summary>
/// The dense TorchSharp reference (the test oracle) on the <see cref="RasterizerBenchmarks"/> scene with 10k Gaussians.
/// It needs memory for H·W·N pixel–Gaussian pairs per intermediate (25.6 GB each at 800×800×10k in float32), so it renders
/// the image as horizontal strips of at most 2^24 pairs — each strip a camera with the same intrinsics shifted by its first
/// row — forward, and backward through autograd strip by strip. Its cost grows with H·W·N: one 64×64 forward took about a
/// minute here, so 800×800 (156× the pairs) is out of reach and this suite defaults to 64×64 (COSEG_BENCH_SIZE overrides;
/// run <see cref="RasterizerBenchmarks"/> at the same size to compare).
/// Run: <c>dotnet run -c Release --project benchmarks/CoSeg.Benchmarks -- --filter '*ReferenceRasterizer*'</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ReferenceBenchmarkConfig))]
public class ReferenceRasterizerBenchmarks
{
    private const long PairsPerStrip = 1L << 24;
    private readonly ReferenceRasterizer _reference = new();
    private readonly RasterSettings _settings = new();
    private RasterInputs _inputs = null!;
    private Camera _camera = null!;
    private Tensor _gradColors = null!;

    /// <summary>Number of Gaussians.</summary>
    [Params(10_000)]
    public int Gaussians { get; set; }

    /// <summary>Builds the shared benchmark scene.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (_inputs, _camera) = RasterizerBenchmarks.CreateScene(Gaussians, defaultSize: 64);
        _gradColors = torch.ones(_camera.Height, _camera.Width, 3) / (_camera.Width * _camera.Height);
    }

    /// <summary>Dense forward over all strips.</summary>
    [Benchmark]
    public void Forward() => RenderStrips(withBackward: false);

    /// <summary>Dense forward and autograd backward over all strips.</summary>
    [Benchmark]
    public void ForwardBackward() => RenderStrips(withBackward: true);

    private void RenderStrips(bool withBackward)
    {
        int rows = (int)Math.Max(1, PairsPerStrip / ((long)_camera.Width * Gaussians));
        for (int r0 = 0; r0 < _camera.Height; r0 += rows)
        {
            using var scope = torch.NewDisposeScope();
            int h = Math.Min(rows, _camera.Height - r0);
            var strip = new Camera(_camera.Width, h, _camera.Fx, _camera.Fy, _camera.Cx, _camera.Cy - r0,
                                   _camera.Rotation.ToArray(), _camera.Translation.ToArray());
            using var f = _reference.Forward(_inputs, strip, _settings);
            if (withBackward)
            {
                using var g = _reference.Backward(_inputs, strip, _settings, f, _gradColors.narrow(0, r0, h), null, null);
            }
            f.State?.Dispose();
        }
    }
}

/// <summary>One warm-up and three measured single invocations in-process (each call takes about a minute).</summary>
public sealed class ReferenceBenchmarkConfig() : InProcessMonitoringConfig(iterations: 3, id: "InProcessReference");
