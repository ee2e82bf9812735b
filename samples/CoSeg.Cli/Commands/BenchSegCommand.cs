using System.Globalization;
using System.Text.Json;
using CoSeg.Common;
using CoSeg.Data;
using CoSeg.Geometry;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;

namespace CoSeg.Cli.Commands;

/// <summary>`coseg bench-seg`: the synthetic segmentation benchmark, one JSON line per method.</summary>
internal sealed class BenchSegCommand : ICliCommand
{
    public string Name => "bench-seg";
    public string Summary => "Segmentation benchmark on a generated scene with noisy labels (vote vs per-Gaussian vs CoSeg)";
    public IReadOnlyList<CliOption> Options { get; } = CliMethods.Options("comma-separated methods or all (default all: vote, per-gaussian-bare, per-gaussian, coseg); " + CliMethods.Help).Concat(new[]
    {
        new CliOption("noise", "none|low|default|high", "label noise level (default: default)"),
        new CliOption("seed", "S", "random seed (default 0)"),
        new CliOption("iterations", "N", "training steps per method (default 1500)"),
        new CliOption("instance", null, "per-view instance ids (Hungarian association) instead of semantic ids"),
        new CliOption("image-size", "PX", "view size in pixels (default 96)"),
        new CliOption("density", "D", "Gaussians per unit area of object surface (default 900)"),
        new CliOption("export", "DIR", "also write the scene as a NeRF-synthetic dataset + scene.ply + labels/ (noisy) + gt/ (test truth) for `coseg segment`", IsPath: true, MustExist: false),
        new CliOption("backend", "NAME", CliBackends.Help),
    }).ToArray();

    public async Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        string noiseName = args.GetChoice("noise", "default", "none", "low", "default", "high");
        int seed = args.GetInt("seed", 0);
        int iterations = args.GetInt("iterations", 1500);
        if (iterations < 1) throw new CliUsageException("--iterations must be ≥ 1 (0 would score an untrained field)");
        var noise = LabelNoiseOptions.FromName(noiseName) with { PermuteIds = args.Has("instance") };
        string which = args.Get("method") ?? "all";
        var methodNames = which == "all" ? new[] { "vote", "per-gaussian-bare", "per-gaussian", "coseg" } : which.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string backend = CliBackends.Get(args);
        using var scene = SyntheticSegmentationScene.Create(new SyntheticSceneOptions
        {
            Seed = seed, ImageSize = args.GetInt("image-size", 96), Density = args.GetDouble("density", 900),
        });
        Console.Error.WriteLine($"bench-seg: {scene.Scene.Count} Gaussians, {scene.Segments} segments, {scene.TrainViews.Count} train / {scene.TestViews.Count} test views, noise {noiseName}");
        if (args.Get("export") is { } exportDir) Export(scene, noise, seed, exportDir);
        var allOpts = methodNames.Select(m => CliMethods.Apply(new SegmentOptions { Iterations = iterations, Backend = backend }, m, args)).ToList();
        foreach (var opts in allOpts)
        {
            var m = CliMethods.Label(opts);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            string lastStage = "";
            IProgress<SegmentProgress>? progress = args.Verbose ? new SyncProgress(p =>
            {
                if (p.Stage != lastStage || (p.Stage == "train" && p.Step % 250 == 1))
                    Console.Error.WriteLine($"  [{clock.Elapsed.TotalSeconds,7:F1}s] {m} {p.Stage} {p.Step}/{p.Total} loss={p.Loss:F4}");
                lastStage = p.Stage;
            }) : null;
            var r = await SegmentationBenchmark.RunAsync(scene, noiseName + (noise.PermuteIds ? "+instance" : ""), noise, opts, seed, progress, ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                method = m, noise = r.Noise, miou = Math.Round(r.MeanIoU, 4), accuracy = Math.Round(r.Accuracy, 4),
                pq = Math.Round(r.PQ, 4), seconds = Math.Round(r.Seconds, 2),
                cpu_seconds = Math.Round((System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds, 1), train_label_accuracy = Math.Round(r.TrainLabelAccuracy, 4),
                gaussians = scene.Scene.Count,
                timings = r.Timings is null ? null : SegmentCommand.TimingsJson(r.Timings),
            }));
        }
        return 0;
    }

    /// <summary>Writes the generated scene in the formats `coseg segment` reads.</summary>
    private static void Export(SyntheticSegmentationScene s, LabelNoiseOptions noise, int seed, string dir)
    {
        s.Scene.SavePly(Path.Combine(dir, "scene.ply"));
        var noisy = SegmentationBenchmark.NoisyLabels(s, noise, seed);
        void Split(string name, IReadOnlyList<SegmentationView> views, Func<int, int[]> labels, string labelDir)
        {
            var frames = new List<object>();
            for (int i = 0; i < views.Count; i++)
            {
                var v = views[i]; var c = v.Camera;
                ImageFiles.SavePng(v.Image!, Path.Combine(dir, name, v.Name + ".png"));
                LabelIdPng.Save(labels(i), c.Width, c.Height, Path.Combine(dir, labelDir, v.Name + ".png"));
                var m = PoseConversions.ToOpenGlCameraToWorld(c);
                frames.Add(new { file_path = $"./{name}/{v.Name}", transform_matrix = m.Chunk(4).ToArray() });
            }
            var c0 = views[0].Camera;
            var json = new { fl_x = c0.Fx, fl_y = c0.Fy, cx = c0.Cx, cy = c0.Cy, w = c0.Width, h = c0.Height, frames };
            AtomicFile.WriteAllText(Path.Combine(dir, $"transforms_{name}.json"), JsonSerializer.Serialize(json));
        }
        Split("train", s.TrainViews, i => noisy[s.TrainViews[i].Name], "labels");
        Split("test", s.TestViews, i => s.TestGroundTruth[i], "gt");
        Console.Error.WriteLine($"bench-seg: exported dataset, scene.ply, labels/ and gt/ to {dir}");
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports synchronously on the caller's thread.</summary>
internal sealed class SyncProgress(Action<SegmentProgress> report) : IProgress<SegmentProgress>
{
    public void Report(SegmentProgress value) => report(value);
}
