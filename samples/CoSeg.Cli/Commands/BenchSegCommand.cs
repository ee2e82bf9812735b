using System.Globalization;
using System.Text.Json;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;

namespace CoSeg.Cli.Commands;

/// <summary>`coseg bench-seg`: the synthetic segmentation benchmark, one JSON line per method.</summary>
internal sealed class BenchSegCommand : ICliCommand
{
    public string Name => "bench-seg";
    public string Summary => "Segmentation benchmark on a generated scene with noisy labels (CoSeg vs per-Gaussian)";
    public IReadOnlyList<CliOption> Options { get; } = new[]
    {
        new CliOption("noise", "none|low|default|high", "label noise level (default: default)"),
        new CliOption("seed", "S", "random seed (default 0)"),
        new CliOption("iterations", "N", "training steps per method (default 1500)"),
        new CliOption("instance", null, "per-view instance ids (Hungarian association) instead of semantic ids"),
        new CliOption("image-size", "PX", "view size in pixels (default 96)"),
        new CliOption("density", "D", "Gaussians per unit area of object surface (default 900)"),
        new CliOption("verbose", null, "print stage timings to stderr"),
        new CliOption("method", "coseg|per-gaussian|both", "which method(s) to run (default both)"),
    };

    public async Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        string noiseName = args.GetChoice("noise", "default", "none", "low", "default", "high");
        int seed = args.GetInt("seed", 0);
        int iterations = args.GetInt("iterations", 1500);
        if (iterations < 0) throw new CliUsageException("--iterations must be ≥ 0");
        var noise = LabelNoiseOptions.FromName(noiseName) with { PermuteIds = args.Has("instance") };
        string which = args.GetChoice("method", "both", "coseg", "per-gaussian", "both");
        using var scene = SyntheticSegmentationScene.Create(new SyntheticSceneOptions
        {
            Seed = seed, ImageSize = args.GetInt("image-size", 96), Density = args.GetDouble("density", 900),
        });
        Console.Error.WriteLine($"bench-seg: {scene.Scene.Count} Gaussians, {scene.Segments} segments, {scene.TrainViews.Count} train / {scene.TestViews.Count} test views, noise {noiseName}");
        var methods = which == "both" ? new[] { SegmentationMethod.CoSeg, SegmentationMethod.PerGaussian }
            : new[] { which == "coseg" ? SegmentationMethod.CoSeg : SegmentationMethod.PerGaussian };
        foreach (var m in methods)
        {
            var opts = new SegmentOptions { Method = m, Iterations = iterations };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string lastStage = "";
            IProgress<SegmentProgress>? progress = args.Has("verbose") ? new SyncProgress(p =>
            {
                if (p.Stage != lastStage || (p.Stage == "train" && p.Step % 250 == 1))
                    Console.Error.WriteLine($"  [{clock.Elapsed.TotalSeconds,7:F1}s] {m} {p.Stage} {p.Step}/{p.Total} loss={p.Loss:F4}");
                lastStage = p.Stage;
            }) : null;
            var r = await SegmentationBenchmark.RunAsync(scene, noiseName + (noise.PermuteIds ? "+instance" : ""), noise, opts, seed, progress, ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                method = r.Method, noise = r.Noise, miou = Math.Round(r.MeanIoU, 4), accuracy = Math.Round(r.Accuracy, 4),
                pq = Math.Round(r.PQ, 4), seconds = Math.Round(r.Seconds, 2), train_label_accuracy = Math.Round(r.TrainLabelAccuracy, 4),
                gaussians = scene.Scene.Count,
            }));
        }
        return 0;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports synchronously on the caller's thread.</summary>
internal sealed class SyncProgress(Action<SegmentProgress> report) : IProgress<SegmentProgress>
{
    public void Report(SegmentProgress value) => report(value);
}
