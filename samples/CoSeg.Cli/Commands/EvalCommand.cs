using System.Diagnostics;
using CoSeg.Data;
using CoSeg.Evaluation;
using CoSeg.Gaussians;

namespace CoSeg.Cli.Commands;

/// <summary>`coseg eval`: PSNR/SSIM/L1 of a saved scene on a dataset split, printed as one line of JSON.</summary>
internal sealed class EvalCommand : ICliCommand
{
    public string Name => "eval";
    public string Summary => "evaluate a Gaussian PLY on a dataset split (PSNR, SSIM, L1 as one line of JSON)";

    public IReadOnlyList<CliOption> Options { get; } = new[]
    {
        new CliOption("ply", "FILE", "Gaussian scene: 3DGS PLY, compressed PLY, .spz or .splat", Required: true, IsPath: true),
        new CliOption("data", "DIR", "dataset folder", Required: true, IsPath: true),
        new CliOption("split", "NAME", "test|val|train (default test)"),
        new CliOption("skip-missing-images", null, "load the frames that have images and report the ones that do not"),
        new CliOption("downscale", "N", "image downscale factor (default 1)"),
        new CliOption("backend", "NAME", "rasterizer: auto|ilgpu|native|reference (default auto)"),
    };

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        string split = args.GetChoice("split", "test", "test", "val", "train");
        string backend = args.GetChoice("backend", "auto", "auto", "ilgpu", "native", "reference");
        int downscale = args.GetInt("downscale", 1);
        if (downscale < 1) throw new CliUsageException($"option '--downscale' must be ≥ 1, got {downscale}");
        var clock = Stopwatch.StartNew();
        using var scene = GaussianSceneFile.Load(args.Require("ply"));
        using var dataset = DatasetLoader.Load(args.Require("data"), new DatasetLoadOptions { Downscale = downscale, SkipMissingImages = args.Has("skip-missing-images") }, ct);
        int total = split switch { "train" => dataset.Train.Count, "val" => dataset.Val.Count, _ => dataset.Test.Count };
        if (total == 0) throw new ArgumentException($"dataset '{args.Require("data")}' has no {split} views");
        ImageMetricsReport report;
        using (var bar = new ConsoleProgressBar())
            report = ImageMetricsEvaluator.Evaluate(scene, dataset, split, backend,
                new SyncProgress<int>(n => bar.Update(n / (double)total, $"evaluating {split} {n}/{total}", n == total)), ct);
        Console.WriteLine(ReconstructCommand.MetricsJson(report, split, null, scene.Count, clock.Elapsed.TotalSeconds));
        return Task.FromResult(0);
    }
}
