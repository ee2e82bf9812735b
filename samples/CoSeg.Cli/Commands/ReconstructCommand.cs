using System.Diagnostics;
using System.Globalization;
using CoSeg.Data;
using CoSeg.Evaluation;
using CoSeg.Reconstruction;
using CoSeg.Rendering;
using TorchSharp;

namespace CoSeg.Cli.Commands;

/// <summary>
/// `coseg reconstruct`: trains a 3D Gaussian scene on a dataset's training split and writes scene.ply, metrics.json
/// (PSNR/SSIM on the test split, or val/train when absent) and a few test-view renders.
/// </summary>
internal sealed class ReconstructCommand : ICliCommand
{
    public string Name => "reconstruct";
    public string Summary => "train 3D Gaussian Splatting on a dataset; writes scene.ply, metrics.json and renders";

    public IReadOnlyList<CliOption> Options { get; } = new[]
    {
        new CliOption("data", "DIR", "dataset folder (NeRF-synthetic, instant-ngp, LLFF or COLMAP)", Required: true, IsPath: true),
        new CliOption("out", "DIR", "output folder (created)", Required: true, IsPath: true, MustExist: false),
        new CliOption("downscale", "N", "image downscale factor (default 1)"),
        new CliOption("iterations", "N", "training iterations (default 30000)"),
        new CliOption("backend", "NAME", CliBackends.Help),
        new CliOption("seed", "S", "random seed (default 0)"),
        new CliOption("init-points", "N", "random initial points when the dataset has no point cloud (default 100000)"),
        new CliOption("sh-degree", "D", "maximum SH degree 0-3 (default 3)"),
        new CliOption("schedule-scale", "X", "multiply the densify/reset/SH schedule iteration numbers (default 1)"),
        new CliOption("random-background", null, "random background colour each iteration"),
        new CliOption("renders", "N", "number of test views to write as PNG (default 4)"),
        new CliOption("eval-stride", "K", "evaluate every K-th view of the split (default 1 = all)"),
    };

    public async Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        string dataDir = args.Require("data"), outDir = args.Require("out");
        int downscale = Positive(args, "downscale", 1);
        var options = new ReconstructOptions
        {
            Iterations = Positive(args, "iterations", 30_000),
            Backend = CliBackends.Get(args),
            Seed = args.GetInt("seed", 0),
            InitPoints = Positive(args, "init-points", 100_000),
            ShDegree = args.GetInt("sh-degree", 3) is var d and >= 0 and <= 3 ? d : throw new CliUsageException("option '--sh-degree' must be 0-3"),
            ScheduleScale = args.GetDouble("schedule-scale", 1.0) is var s and > 0 ? s : throw new CliUsageException("option '--schedule-scale' must be positive"),
            RandomBackground = args.Has("random-background"),
        };
        int renders = args.GetInt("renders", 4);
        if (renders < 0) throw new CliUsageException("option '--renders' must be ≥ 0");
        int stride = Positive(args, "eval-stride", 1);

        using var dataset = DatasetLoader.Load(dataDir, new DatasetLoadOptions { Downscale = downscale }, ct);
        Console.Error.WriteLine($"coseg reconstruct: {dataset}");
        Directory.CreateDirectory(outDir);

        var clock = Stopwatch.StartNew();
        using var scene = await RunTraining(dataset, options, ct);
        double seconds = clock.Elapsed.TotalSeconds;
        string plyPath = Path.Combine(outDir, "scene.ply");
        scene.SavePly(plyPath);

        var (split, allViews) = dataset.Test.Count > 0 ? ("test", dataset.Test) : dataset.Val.Count > 0 ? ("val", dataset.Val) : ("train", dataset.Train);
        var views = allViews.Where((_, i) => i % stride == 0).ToList();
        var renderOptions = new RenderOptions { Backend = options.Backend, Settings = new RasterSettings { Background = dataset.Background.ToArray() } };
        ImageMetricsReport report;
        using (var bar = new ConsoleProgressBar())
            report = ImageMetricsEvaluator.Evaluate(scene, views, renderOptions,
                new SyncProgress<int>(n => bar.Update(n / (double)views.Count, $"evaluating {split} {n}/{views.Count}", n == views.Count)), ct);
        string json = MetricsJson(report, split, options.Iterations, scene.Count, seconds);
        File.WriteAllText(Path.Combine(outDir, "metrics.json"), json + Environment.NewLine);

        for (int i = 0; i < Math.Min(renders, views.Count); i++)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            using var r = Rasterizer.Render(scene, views[i].Camera, renderOptions);
            ImageFiles.SavePng(r.Image.detach().clamp(0, 1), Path.Combine(outDir, $"{split}_{i:D3}_render.png"));
            using var gt = views[i].LoadImage();
            ImageFiles.SavePng(gt.Rgb, Path.Combine(outDir, $"{split}_{i:D3}_gt.png"));
        }
        Console.WriteLine(json);
        return 0;
    }

    private static async Task<CoSeg.Gaussians.GaussianScene> RunTraining(SceneDataset dataset, ReconstructOptions options, CancellationToken ct)
    {
        using var bar = new ConsoleProgressBar();
        var progress = new SyncProgress<ReconstructProgress>(p => bar.Update(p.Iteration / (double)p.TotalIterations,
            string.Create(CultureInfo.InvariantCulture,
                $"it {p.Iteration}/{p.TotalIterations} loss {p.RunningLoss:F4} psnr {p.RunningPsnr:F2} dB n={p.GaussianCount} sh={p.ActiveShDegree} {p.IterationsPerSecond:F1} it/s"),
            p.Iteration == p.TotalIterations));
        return await Reconstructor.ReconstructAsync(dataset, options, progress, ct);
    }

    internal static string MetricsJson(ImageMetricsReport report, string split, int? iterations, long gaussians, double seconds)
    {
        var inv = CultureInfo.InvariantCulture;
        string iters = iterations is { } n ? n.ToString(inv) : "null";
        string ips = iterations is { } m && seconds > 0 ? (m / seconds).ToString("R", inv) : "null";
        return "{" + string.Join(",",
            $"\"psnr\":{Num(report.Psnr)}", $"\"ssim\":{Num(report.Ssim)}", $"\"iterations\":{iters}", $"\"gaussians\":{gaussians}",
            $"\"seconds\":{Num(seconds)}", $"\"itersPerSecond\":{ips}", $"\"l1\":{Num(report.L1)}", $"\"split\":\"{split}\"",
            $"\"views\":{report.Views.Count}") + "}";
    }

    private static string Num(double v) => double.IsFinite(v) ? Math.Round(v, 6).ToString("R", CultureInfo.InvariantCulture) : "null";

    private static int Positive(CliArgs args, string name, int fallback)
    {
        int v = args.GetInt(name, fallback);
        return v >= 1 ? v : throw new CliUsageException($"option '--{name}' must be ≥ 1, got {v}");
    }
}

/// <summary>IProgress that calls back synchronously on the reporting thread (keeps reports in order).</summary>
internal sealed class SyncProgress<T>(Action<T> onReport) : IProgress<T>
{
    public void Report(T value) => onReport(value);
}
