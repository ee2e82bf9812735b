using System.Text.Json;
using CoSeg.Rendering;

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

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var options = new RasterizerBenchmarkOptions
        {
            Gaussians = args.GetInt("gaussians", 10_000), Width = args.GetInt("width", 256), Height = args.GetInt("height", 256),
            Channels = args.GetInt("channels", 3), Repeats = args.GetInt("repeats", 10), LeakCalls = args.GetInt("leak-calls", 0),
        };
        if (options.Gaussians < 0) throw new CliUsageException("--gaussians must be ≥ 0");
        if (options.Width < 1 || options.Height < 1) throw new CliUsageException("--width and --height must be ≥ 1");
        if (options.Channels < 1) throw new CliUsageException("--channels must be ≥ 1");
        if (options.Repeats < 1) throw new CliUsageException("--repeats must be ≥ 1");
        if (options.LeakCalls < 0) throw new CliUsageException("--leak-calls must be ≥ 0");
        var names = (args.Get("backends") ?? "native").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in names)
            if (!RasterizerBenchmark.BackendNames.Contains(name))
                throw new CliUsageException($"--backends: unknown backend '{name}' ({string.Join(", ", RasterizerBenchmark.BackendNames)})");

        RasterizerBenchmark.Run(names, options, r =>
        {
            var json = new Dictionary<string, object?>
            {
                ["backend"] = r.Backend, ["gaussians"] = options.Gaussians, ["width"] = options.Width, ["height"] = options.Height,
                ["channels"] = options.Channels, ["repeats"] = options.Repeats,
            };
            if (r.Skipped is not null) json["skipped"] = r.Skipped;
            else
            {
                if (r.UsesAvx2 is { } avx2) { json["avx2"] = avx2; json["threads"] = Environment.ProcessorCount; }
                json["forward_ms_median"] = Math.Round(r.ForwardMsMedian, 3);
                json["forward_backward_ms_median"] = Math.Round(r.ForwardBackwardMsMedian, 3);
                if (r.Blends is { } blends)
                {
                    json["blends"] = blends;
                    json["forward_gblends_per_s"] = r.ForwardGigaBlendsPerSecond is { } fb ? Math.Round(fb, 4) : null;
                    json["backward_gblends_per_s"] = r.BackwardGigaBlendsPerSecond is { } bb ? Math.Round(bb, 4) : null;
                }
                if (r.ResidentGrowthKib is { } growth) { json["leak_calls"] = options.LeakCalls; json["rss_growth_kib"] = growth; }
            }
            Console.WriteLine(JsonSerializer.Serialize(json));
        }, ct);
        return Task.FromResult(0);
    }
}
