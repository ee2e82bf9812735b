using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CoSeg.Data;
using CoSeg.Evaluation;
using CoSeg.Reconstruction;
using CoSeg.Rendering;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using TorchSharp;

namespace CoSeg.Cli.Commands;

/// <summary>
/// `coseg demo`: the whole pipeline end to end on a small scene the library generates itself (no data needed):
/// render posed photos of a synthetic multi-object scene, reconstruct 3D Gaussians from those photos alone,
/// segment the reconstruction from noisy view-inconsistent 2D labels, and score it on held-out views.
/// </summary>
internal sealed class DemoCommand : ICliCommand
{
    public string Name => "demo";
    public string Summary => "end-to-end run on a generated scene: photos -> reconstruct -> segment -> metrics";

    public IReadOnlyList<CliOption> Options { get; } = new[]
    {
        new CliOption("out", "DIR", "output folder (default ./coseg-demo)", IsPath: true, MustExist: false),
        new CliOption("iterations", "N", "reconstruction iterations (default 1500)"),
        new CliOption("seg-iterations", "N", "segmentation training steps (default 600)"),
        new CliOption("noise", "LEVEL", "label noise: none|low|default|high (default: default)"),
        new CliOption("image-size", "PX", "view size in pixels (default 80)"),
        new CliOption("backend", "NAME", CliBackends.Help),
        new CliOption("seed", "S", "random seed (default 0)"),
    };

    public async Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        string outDir = args.Get("out") ?? "coseg-demo";
        int iterations = Positive(args, "iterations", 1500), segIterations = Positive(args, "seg-iterations", 600);
        int size = Positive(args, "image-size", 80), seed = args.GetInt("seed", 0);
        string noiseName = args.GetChoice("noise", "default", "none", "low", "default", "high");
        string backend = CliBackends.Get(args);
        Directory.CreateDirectory(outDir);
        var total = Stopwatch.StartNew();

        // 1. A generated scene with known per-object membership, and its posed photos (train and held-out test views).
        using var truth = SyntheticSegmentationScene.Create(new SyntheticSceneOptions { Seed = seed, ImageSize = size, TrainViews = 24, TestViews = 8 });
        Console.Error.WriteLine($"demo: generated scene with {truth.Segments} segments, {truth.TrainViews.Count} train / {truth.TestViews.Count} test photos at {size}×{size}");
        using var dataset = ToDataset(truth, seed);

        // 2. Reconstruct 3D Gaussians from the photos (sparse points play the role of a structure-from-motion cloud).
        var reconOptions = new ReconstructOptions
        {
            Iterations = iterations, Backend = backend, Seed = seed, ShDegree = 1,
            ScheduleScale = Math.Min(1.0, iterations / 10_000.0), DensifyUntil = (int)(iterations * 0.6),
        };
        var clock = Stopwatch.StartNew();
        CoSeg.Gaussians.GaussianScene reconstructed;
        using (var bar = new ConsoleProgressBar())
        {
            var progress = new SyncProgress<ReconstructProgress>(p => bar.Update(p.Iteration / (double)p.TotalIterations,
                string.Create(CultureInfo.InvariantCulture, $"reconstruct {p.Iteration}/{p.TotalIterations} loss {p.RunningLoss:F4} psnr {p.RunningPsnr:F2} dB n={p.GaussianCount} {p.IterationsPerSecond:F1} it/s"),
                p.Iteration == p.TotalIterations));
            reconstructed = await Reconstructor.ReconstructAsync(dataset, reconOptions, progress, ct);
        }
        using var _ = reconstructed;
        double reconSeconds = clock.Elapsed.TotalSeconds;
        var renderOptions = new RenderOptions { Backend = backend, Settings = new RasterSettings { Background = dataset.Background.ToArray() } };
        var image = ImageMetricsEvaluator.Evaluate(reconstructed, dataset.Test, renderOptions, null, ct);
        reconstructed.SavePly(Path.Combine(outDir, "scene.ply"));

        // 3. Segment the reconstruction from noisy, view-inconsistent 2D labels (what a zero-shot 2D model gives).
        var noise = LabelNoiseOptions.FromName(noiseName);
        var labels = SegmentationBenchmark.NoisyLabels(truth, noise, seed);
        var segOptions = new SegmentOptions { Iterations = segIterations, Classes = truth.Segments + 1, Seed = seed };
        clock.Restart();
        SegmentationResult seg;
        using (var bar = new ConsoleProgressBar())
        {
            var progress = new SyncProgress<SegmentProgress>(p => bar.Update(p.Total > 0 ? p.Step / (double)p.Total : 0,
                string.Create(CultureInfo.InvariantCulture, $"segment {p.Stage} {p.Step}/{p.Total}{(double.IsFinite(p.Loss) ? $" loss {p.Loss:F4}" : "")}"), false));
            seg = await Segmenter.SegmentAsync(reconstructed, dataset, new InMemoryLabelSource(labels), null, segOptions, progress, ct);
        }
        using var __ = seg;
        double segSeconds = clock.Elapsed.TotalSeconds;
        seg.SavePly(Path.Combine(outDir, "segmented.ply"));

        // 4. Score the rendered label maps of held-out views against the generator's ground truth.
        var confusion = new SegmentationConfusionMatrix();
        var pairs = new List<(int[] GroundTruth, int[] Predicted)>();
        for (int v = 0; v < truth.TestViews.Count; v++)
        {
            using var scope = torch.NewDisposeScope();
            var cam = truth.TestViews[v].Camera;
            var map = seg.RenderLabels(cam).to(torch.ScalarType.Int32).reshape(-1).data<int>().ToArray();
            confusion.Add(truth.TestGroundTruth[v], map);
            pairs.Add((truth.TestGroundTruth[v], map));
            if (v < 4)
            {
                LabelMapImage.SavePng(seg.RenderLabels(cam), Path.Combine(outDir, $"test_{v:D3}_labels.png"));
                using var noGrad = torch.no_grad();
                using var r = Rasterizer.Render(reconstructed, cam, renderOptions);
                ImageFiles.SavePng(r.Image.detach().clamp(0, 1), Path.Combine(outDir, $"test_{v:D3}_render.png"));
            }
        }
        var pq = SegmentationPanopticQuality.Compute(pairs);
        var summary = new
        {
            psnr = Math.Round(image.Psnr, 3), ssim = Math.Round(image.Ssim, 4), gaussians = reconstructed.Count,
            reconstructSeconds = Math.Round(reconSeconds, 1), miou = Math.Round(confusion.MeanIoU, 4),
            accuracy = Math.Round(confusion.Accuracy, 4), pq = Math.Round(pq.PQ, 4), segmentSeconds = Math.Round(segSeconds, 1),
            noise = noiseName, seconds = Math.Round(total.Elapsed.TotalSeconds, 1), output = Path.GetFullPath(outDir),
        };
        string json = JsonSerializer.Serialize(summary);
        File.WriteAllText(Path.Combine(outDir, "metrics.json"), json + Environment.NewLine);
        Console.WriteLine(json);
        return 0;
    }

    /// <summary>The generator's photos as a dataset, with a subsample of surface points as the sparse cloud.</summary>
    private static SceneDataset ToDataset(SyntheticSegmentationScene truth, int seed)
    {
        using var scope = torch.NewDisposeScope();
        var train = truth.TrainViews.Select(v => (v.Camera, v.Image!, (TorchSharp.torch.Tensor?)null)).ToList();
        var test = truth.TestViews.Select(v => (v.Camera, v.Image!, (TorchSharp.torch.Tensor?)null)).ToList();
        var gen = new torch.Generator((ulong)seed);
        long n = truth.Scene.Count, take = Math.Min(n, 2000);
        var idx = torch.randperm(n, generator: gen)[..(int)take];
        var points = truth.Scene.Means.detach().index_select(0, idx);
        // SH DC → colour (as an SfM cloud carries the colour of its points).
        var colors = (truth.Scene.ShCoefficients.detach()[.., 0, ..].index_select(0, idx) * 0.28209479177387814 + 0.5).clamp(0, 1);
        return SceneDataset.FromMemory(train, test, null, points.MoveToOuterDisposeScope(), colors.MoveToOuterDisposeScope());
    }

    private static int Positive(CliArgs args, string name, int fallback)
    {
        int v = args.GetInt(name, fallback);
        return v >= 1 ? v : throw new CliUsageException($"option '--{name}' must be ≥ 1, got {v}");
    }
}
