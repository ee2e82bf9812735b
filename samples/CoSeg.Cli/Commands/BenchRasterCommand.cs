using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CoSeg.Rendering;
using CoSeg.Rendering.Ilgpu;
using CoSeg.Rendering.Native;
using CoSeg.Rendering.Reference;
using static TorchSharp.torch;

namespace CoSeg.Cli.Commands;

/// <summary>`coseg bench-raster`: median forward and forward+backward times of the rasterizer backends, one JSON line each.</summary>
internal sealed class BenchRasterCommand : ICliCommand
{
    public string Name => "bench-raster";
    public string Summary => "Time the rasterizer backends (forward, forward+backward) on a synthetic scene; JSON lines.";

    public IReadOnlyList<CliOption> Options { get; } = new CliOption[]
    {
        new("gaussians", "N", "number of Gaussians (default 10000)"),
        new("width", "W", "image width (default 256)"),
        new("height", "H", "image height (default 256)"),
        new("channels", "C", "channels to blend (default 3)"),
        new("repeats", "R", "timed repetitions per measurement (default 10)"),
        new("backends", "LIST", "comma-separated: native,ilgpu,reference (default native)"),
        new("leak-calls", "K", "after timing, run K forward+backward calls per backend and report resident-memory growth (e.g. 10000)"),
    };

    private const int ReferenceMaxPixels = 128 * 128;
    private const long ReferenceMaxPixelGaussians = 20_000_000;  // the dense reference holds H·W·N tensors

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var n = args.GetInt("gaussians", 10_000);
        var w = args.GetInt("width", 256);
        var h = args.GetInt("height", 256);
        var c = args.GetInt("channels", 3);
        var repeats = args.GetInt("repeats", 10);
        var leakCalls = args.GetInt("leak-calls", 0);
        if (n < 0) throw new CliUsageException("--gaussians must be ≥ 0");
        if (w < 1 || h < 1) throw new CliUsageException("--width and --height must be ≥ 1");
        if (c < 1) throw new CliUsageException("--channels must be ≥ 1");
        if (repeats < 1) throw new CliUsageException("--repeats must be ≥ 1");
        if (leakCalls < 0) throw new CliUsageException("--leak-calls must be ≥ 0");
        var names = (args.Get("backends") ?? "native").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in names)
            if (name is not ("native" or "ilgpu" or "reference"))
                throw new CliUsageException($"--backends: unknown backend '{name}' (native, ilgpu, reference)");

        using var scope = NewDisposeScope();
        var (inputs, camera) = SyntheticSplatScene.Create(n, w, h, c, seed: 1);
        var settings = new RasterSettings();
        var gradColors = rand(h, w, c);
        // (pixel, Gaussian) blends of this scene: the same for every backend (same maths), counted by the native one.
        long? blends = null;
        using (var counter = NativeRasterizerBackend.TryCreate(out _))
            if (counter is not null)
                using (var f = counter.Forward(inputs, camera, settings))
                    blends = counter.CountBlends(f);
        foreach (var name in names)
        {
            ct.ThrowIfCancellationRequested();
            var result = new Dictionary<string, object?>
            {
                ["backend"] = name, ["gaussians"] = n, ["width"] = w, ["height"] = h, ["channels"] = c, ["repeats"] = repeats,
            };
            if (name == "reference" && ((long)w * h > ReferenceMaxPixels || (long)w * h * n > ReferenceMaxPixelGaussians))
            {
                result["skipped"] = $"the dense reference is only timed up to {ReferenceMaxPixels} pixels and {ReferenceMaxPixelGaussians} pixel·Gaussian pairs";
                Console.WriteLine(JsonSerializer.Serialize(result));
                continue;
            }
            using var backend = CreateBackend(name, out var why);
            if (backend is null)
            {
                result["skipped"] = why;
                Console.WriteLine(JsonSerializer.Serialize(result));
                continue;
            }
            result["backend"] = backend.Name;
            if (backend is NativeRasterizerBackend nb) { result["avx2"] = nb.UsesAvx2; result["threads"] = Environment.ProcessorCount; }
            // warm-up (allocations, JIT, kernel compilation)
            Step(backend, inputs, camera, settings, gradColors, withBackward: true);
            var fwd = new List<double>();
            var both = new List<double>();
            for (var i = 0; i < repeats; i++)
            {
                ct.ThrowIfCancellationRequested();
                fwd.Add(Step(backend, inputs, camera, settings, gradColors, withBackward: false));
                both.Add(Step(backend, inputs, camera, settings, gradColors, withBackward: true));
            }
            result["forward_ms_median"] = Math.Round(Median(fwd), 3);
            result["forward_backward_ms_median"] = Math.Round(Median(both), 3);
            if (blends is { } b)
            {
                // Blends per second against the ~10 G/s two AVX2 cores could reach (about 10 flops and one exp each).
                double f = Median(fwd), bwd = Math.Max(Median(both) - f, 1e-6);
                result["blends"] = b;
                result["forward_gblends_per_s"] = Math.Round(b / (f * 1e-3) / 1e9, 4);
                result["backward_gblends_per_s"] = Math.Round(b / (bwd * 1e-3) / 1e9, 4);
            }
            if (leakCalls > 0)
            {
                GC.Collect(); GC.WaitForPendingFinalizers();
                var before = ResidentBytes();
                for (var i = 0; i < leakCalls; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    Step(backend, inputs, camera, settings, gradColors, withBackward: true);
                }
                GC.Collect(); GC.WaitForPendingFinalizers();
                result["leak_calls"] = leakCalls;
                result["rss_growth_kib"] = (ResidentBytes() - before) / 1024;
            }
            Console.WriteLine(JsonSerializer.Serialize(result));
        }
        return Task.FromResult(0);
    }

    private static double Step(IRasterizerBackend backend, RasterInputs inputs, Geometry.Camera camera, RasterSettings settings,
                               Tensor gradColors, bool withBackward)
    {
        using var scope = NewDisposeScope();
        var sw = Stopwatch.StartNew();
        using var f = backend.Forward(inputs, camera, settings);
        if (withBackward)
        {
            using var g = backend.Backward(inputs, camera, settings, f, gradColors, null, null);
        }
        return sw.Elapsed.TotalMilliseconds;
    }

    private static IRasterizerBackend? CreateBackend(string name, out string? why)
    {
        switch (name)
        {
            case "native":
                return NativeRasterizerBackend.TryCreate(out why);
            case "ilgpu":
                why = null;
                return new IlgpuRasterizer();
            default:
                why = null;
                return new ReferenceRasterizer();
        }
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        return v.Count % 2 == 1 ? v[v.Count / 2] : 0.5 * (v[v.Count / 2 - 1] + v[v.Count / 2]);
    }

    private static long ResidentBytes()
    {
        if (!File.Exists("/proc/self/statm")) return 0;
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }
}
