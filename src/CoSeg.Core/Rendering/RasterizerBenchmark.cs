using System.Diagnostics;
using System.Globalization;
using CoSeg.Geometry;
using CoSeg.Rendering.Ilgpu;
using CoSeg.Rendering.Native;
using CoSeg.Rendering.Reference;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>
/// Times the rasterizer backends (forward, and forward + backward) on a generated splat scene: one warm-up call, then
/// the median of <see cref="RasterizerBenchmarkOptions.Repeats"/> timed calls. Backs <c>coseg bench-raster</c>.
/// </summary>
public static class RasterizerBenchmark
{
    /// <summary>The backend names <see cref="Run"/> accepts.</summary>
    public static IReadOnlyList<string> BackendNames { get; } = new[] { "native", "ilgpu", "reference" };

    /// <summary>The dense reference is timed only up to this many pixels ...</summary>
    private const int ReferenceMaxPixels = 128 * 128;
    /// <summary>... and pixel·Gaussian pairs (it holds H·W·N tensors).</summary>
    private const long ReferenceMaxPixelGaussians = 20_000_000;

    /// <summary>
    /// Times each named backend in turn on one generated scene; <paramref name="onResult"/> (optional) hears each
    /// result as soon as it is measured. Returns the results in order.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not one of <see cref="BackendNames"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IReadOnlyList<RasterizerBenchmarkResult> Run(IReadOnlyList<string> backends, RasterizerBenchmarkOptions options,
                                                               Action<RasterizerBenchmarkResult>? onResult = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        foreach (var name in backends)
            if (!BackendNames.Contains(name, StringComparer.Ordinal))
                throw new ArgumentException($"unknown backend '{name}' ({string.Join(", ", BackendNames)}).", nameof(backends));

        using var scope = NewDisposeScope();
        var (inputs, camera) = SyntheticSplatScene.Create(options.Gaussians, options.Width, options.Height, options.Channels, options.Seed);
        var settings = new RasterSettings();
        var gradColors = rand(options.Height, options.Width, options.Channels);
        // (pixel, Gaussian) blends of this scene: the same for every backend (same maths), counted once by the native one.
        long? blends = null;
        using (var counter = NativeRasterizerBackend.TryCreate(out _))
            if (counter is not null)
                using (var f = counter.Forward(inputs, camera, settings))
                    blends = counter.CountBlends(f);
        var results = new List<RasterizerBenchmarkResult>();
        foreach (var name in backends)
        {
            ct.ThrowIfCancellationRequested();
            var r = RunOne(name, options, inputs, camera, settings, gradColors, ct) with { Blends = blends };
            results.Add(r);
            onResult?.Invoke(r);
        }
        return results;
    }

    private static RasterizerBenchmarkResult RunOne(string name, RasterizerBenchmarkOptions o, RasterInputs inputs, Camera camera,
                                                    RasterSettings settings, Tensor gradColors, CancellationToken ct)
    {
        long pixels = (long)o.Width * o.Height;
        if (name == "reference" && (pixels > ReferenceMaxPixels || pixels * o.Gaussians > ReferenceMaxPixelGaussians))
            return Skip(name, $"the dense reference is only timed up to {ReferenceMaxPixels} pixels and {ReferenceMaxPixelGaussians} pixel·Gaussian pairs");
        string? why = null;
        using var backend = name switch
        {
            "native" => NativeRasterizerBackend.TryCreate(out why),
            "ilgpu" => new IlgpuRasterizer(),
            _ => (IRasterizerBackend)new ReferenceRasterizer(),
        };
        if (backend is null) return Skip(name, why ?? "unavailable");
        Step(backend, inputs, camera, settings, gradColors, withBackward: true);   // warm-up: allocations, JIT, kernel compilation
        var forward = new List<double>();
        var both = new List<double>();
        for (int i = 0; i < o.Repeats; i++)
        {
            ct.ThrowIfCancellationRequested();
            forward.Add(Step(backend, inputs, camera, settings, gradColors, withBackward: false));
            both.Add(Step(backend, inputs, camera, settings, gradColors, withBackward: true));
        }
        long? growth = null;
        if (o.LeakCalls > 0)
        {
            GC.Collect(); GC.WaitForPendingFinalizers();
            long before = ResidentBytes();
            for (int i = 0; i < o.LeakCalls; i++)
            {
                ct.ThrowIfCancellationRequested();
                Step(backend, inputs, camera, settings, gradColors, withBackward: true);
            }
            GC.Collect(); GC.WaitForPendingFinalizers();
            growth = (ResidentBytes() - before) / 1024;
        }
        return new RasterizerBenchmarkResult(backend.Name, null, Median(forward), Median(both),
                                             backend is NativeRasterizerBackend nb ? nb.UsesAvx2 : null, growth);
    }

    private static RasterizerBenchmarkResult Skip(string name, string why) => new(name, why, double.NaN, double.NaN, null, null);

    private static double Step(IRasterizerBackend backend, RasterInputs inputs, Camera camera, RasterSettings settings, Tensor gradColors, bool withBackward)
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

    private static double Median(List<double> v)
    {
        v.Sort();
        return v.Count % 2 == 1 ? v[v.Count / 2] : 0.5 * (v[v.Count / 2 - 1] + v[v.Count / 2]);
    }

    /// <summary>Resident set size from /proc/self/statm (0 where it does not exist).</summary>
    private static long ResidentBytes()
    {
        if (!File.Exists("/proc/self/statm")) return 0;
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }
}
