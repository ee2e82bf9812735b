using System.Text.Json;
using CoSeg.Data;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using static TorchSharp.torch;

namespace CoSeg.Cli.Commands;

/// <summary>
/// `coseg noise-stats`: what each label-noise level does to the training labels, per view and per segment, over
/// several seeds — on an RGBA dataset's alpha labels exactly as `make-labels` makes them, or on the `bench-seg` scene.
/// </summary>
internal sealed class NoiseStatsCommand : ICliCommand
{
    public string Name => "noise-stats";
    public string Summary => "per-view statistics of the label noise levels (alpha labels of --data as make-labels makes them, or the bench-seg scene)";
    public IReadOnlyList<CliOption> Options { get; } = new[]
    {
        new CliOption("data", "DIR", "RGBA dataset (fg/bg labels from alpha, as make-labels); without it the bench-seg generated scene", IsPath: true),
        new CliOption("downscale", "N", "image downscale factor of --data (default 1)"),
        new CliOption("noise", "LEVELS", "comma-separated levels (default none,low,default,high)"),
        new CliOption("seeds", "N", "seeds 0..N-1 (default 5)"),
    };

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var levels = (args.Get("noise") ?? "none,low,default,high").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var noises = levels.Select(l => (Name: l, Options: ParseLevel(l))).ToList();
        int seeds = args.GetInt("seeds", 5);
        if (seeds < 1) throw new CliUsageException("--seeds must be ≥ 1");
        var rows = new List<(string Level, int Seed, LabelNoiseSummary S)>();
        if (args.Get("data") is { } data)
        {
            int downscale = args.GetInt("downscale", 1);
            if (downscale < 1) throw new CliUsageException($"option '--downscale' must be ≥ 1, got {downscale}");
            using var dataset = DatasetLoader.Load(data, new DatasetLoadOptions { Downscale = downscale }, ct);
            var clean = new List<int[]>();
            foreach (var v in dataset.Train)
                using (NewDisposeScope()) clean.Add(AlphaLabelSource.FromView(v).to(ScalarType.Int32).reshape(-1).data<int>().ToArray());
            int w = dataset.Train[0].Camera.Width, h = dataset.Train[0].Camera.Height;
            for (int seed = 0; seed < seeds; seed++)
                foreach (var (name, noise) in noises)
                {
                    ct.ThrowIfCancellationRequested();
                    var rng = new Random(seed);   // as make-labels
                    var pairs = clean.Select(c => (c, LabelNoiseGenerator.Corrupt(c, w, h, AlphaLabelSource.ForegroundId, noise, rng))).ToList();
                    rows.Add((name, seed, LabelNoiseStatistics.Summarise(pairs)));
                    Print(name, seed, rows[^1].S);
                }
        }
        else
        {
            for (int seed = 0; seed < seeds; seed++)
            {
                using var scene = SyntheticSegmentationScene.Create(new SyntheticSceneOptions { Seed = seed });
                foreach (var (name, noise) in noises)
                {
                    ct.ThrowIfCancellationRequested();
                    var noisy = SegmentationBenchmark.NoisyLabels(scene, noise, seed);   // as bench-seg
                    var pairs = scene.TrainViews.Select((v, i) => (scene.TrainGroundTruth[i], noisy[v.Name])).ToList();
                    rows.Add((name, seed, LabelNoiseStatistics.Summarise(pairs)));
                    Print(name, seed, rows[^1].S);
                }
            }
        }
        foreach (var (name, _) in noises)
        {
            var s = rows.Where(r => r.Level == name).Select(r => r.S).ToList();
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                level = name, seeds = s.Count,
                pixel_accuracy = MeanSd(s.Select(x => x.PixelAccuracy)),
                views_with_wrong = MeanSd(s.Select(x => x.ViewsWithWrong)),
                views_mostly_wrong = MeanSd(s.Select(x => x.ViewsMostlyWrong)),
                wrong_by_segment = s[0].WrongBySegment.Keys.ToDictionary(k => k.ToString(), k => MeanSd(s.Select(x => x.WrongBySegment.GetValueOrDefault(k)))),
                accuracy_by_segment = s[0].AccuracyBySegment.Keys.ToDictionary(k => k.ToString(), k => MeanSd(s.Select(x => x.AccuracyBySegment.GetValueOrDefault(k)))),
                purity_by_segment = s[0].PurityBySegment.Keys.ToDictionary(k => k.ToString(), k => MeanSd(s.Select(x => x.PurityBySegment.GetValueOrDefault(k)))),
            }));
        }
        return Task.FromResult(0);
    }

    private static LabelNoiseOptions ParseLevel(string name)
    {
        try { return LabelNoiseOptions.FromName(name); }
        catch (ArgumentException e) { throw new CliUsageException(e.Message); }
    }

    private static string MeanSd(IEnumerable<double> values)
    {
        var v = values.ToArray();
        double m = v.Average(), sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1)) : 0;
        return $"{m:F3} ± {sd:F3}";
    }

    private static void Print(string level, int seed, LabelNoiseSummary s) => Console.WriteLine(JsonSerializer.Serialize(new
    {
        level, seed, views = s.Views, pixel_accuracy = Math.Round(s.PixelAccuracy, 4), mean_view_accuracy = Math.Round(s.MeanViewAccuracy, 4),
        min_view_accuracy = Math.Round(s.MinViewAccuracy, 4), views_with_wrong = s.ViewsWithWrong, views_with_dropped = s.ViewsWithDropped,
        views_with_partial = s.ViewsWithPartial, views_mostly_wrong = s.ViewsMostlyWrong,
        wrong_by_segment = s.WrongBySegment.ToDictionary(kv => kv.Key.ToString(), kv => Math.Round(kv.Value, 3)),
        accuracy_by_segment = s.AccuracyBySegment.ToDictionary(kv => kv.Key.ToString(), kv => Math.Round(kv.Value, 3)),
        purity_by_segment = s.PurityBySegment.ToDictionary(kv => kv.Key.ToString(), kv => Math.Round(kv.Value, 3)),
    }));
}
