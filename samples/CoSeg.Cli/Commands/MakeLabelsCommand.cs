using System.Diagnostics;
using System.Text.Json;
using CoSeg.Data;
using CoSeg.Evaluation;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using static TorchSharp.torch;

namespace CoSeg.Cli.Commands;

/// <summary>
/// `coseg make-labels`: foreground/background label PNGs from an RGBA dataset's alpha channel — noisy ones for the
/// training views (the input of `coseg segment --labels`) and clean ones for the test views (`--gt`).
/// </summary>
internal sealed class MakeLabelsCommand : ICliCommand
{
    public string Name => "make-labels";
    public string Summary => "write fg/bg label PNGs from an RGBA dataset's alpha (noisy train labels, clean test ground truth)";
    public IReadOnlyList<CliOption> Options { get; } = new[]
    {
        new CliOption("data", "DIR", "dataset folder with RGBA images (e.g. NeRF-synthetic)", Required: true, IsPath: true),
        new CliOption("out", "DIR", "output folder (created): train/ = noisy training labels, gt/ = clean test labels", Required: true, IsPath: true, MustExist: false),
        new CliOption("downscale", "N", "image downscale factor; use the same one for segment (default 1)"),
        new CliOption("noise", "LEVEL", "label noise on the training views: none|low|default|high (default default)"),
        new CliOption("seed", "S", "random seed of the noise (default 0)"),
    };

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        string data = args.Require("data"), outDir = args.Require("out");
        int downscale = args.GetInt("downscale", 1), seed = args.GetInt("seed", 0);
        if (downscale < 1) throw new CliUsageException($"option '--downscale' must be ≥ 1, got {downscale}");
        string noiseName = args.GetChoice("noise", "default", "none", "low", "default", "high");
        var noise = LabelNoiseOptions.FromName(noiseName);
        var clock = Stopwatch.StartNew();
        using var dataset = DatasetLoader.Load(data, new DatasetLoadOptions { Downscale = downscale }, ct);
        if (dataset.Train.Count == 0) throw new ArgumentException($"dataset '{data}' has no training views");
        // The same fallback as `coseg segment` uses for the views it scores.
        var testViews = dataset.Test.Count > 0 ? dataset.Test : dataset.Val.Count > 0 ? dataset.Val : dataset.Train;
        var noAlpha = dataset.Train.Concat(testViews).FirstOrDefault(v => !v.HasAlpha);
        if (noAlpha is not null)
            throw new InvalidDataException($"dataset '{data}' has no alpha channel (view '{noAlpha.Name}', {noAlpha.ImagePath ?? "in memory"}); make-labels needs RGBA images whose alpha is the object mask");

        string trainDir = Path.Combine(outDir, "train"), gtDir = Path.Combine(outDir, "gt");
        Directory.CreateDirectory(trainDir);
        Directory.CreateDirectory(gtDir);
        var rng = new Random(seed);
        var trainConfusion = new SegmentationConfusionMatrix();
        long fgPixels = 0, pixels = 0;
        int total = dataset.Train.Count + testViews.Count, done = 0;
        using (var bar = new ConsoleProgressBar())
        {
            void Write(IReadOnlyList<SceneView> views, string dir, bool corrupt)
            {
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var v in views)
                {
                    ct.ThrowIfCancellationRequested();
                    // PngFolderLabelSource finds "<file name of the view name>.png", so write exactly that.
                    string file = Path.GetFileName(v.Name);
                    if (file.Length == 0 || !names.Add(file))
                        throw new InvalidDataException($"dataset '{data}': view name '{v.Name}' is empty or repeats in its split; cannot name its label file");
                    int w = v.Camera.Width, h = v.Camera.Height;
                    int[] clean;
                    // A dispose scope keeps every temporary referenced until the native calls are done.
                    using (var scope = NewDisposeScope())
                        clean = AlphaLabelSource.FromView(v).to(ScalarType.Int32).reshape(-1).data<int>().ToArray();
                    int[] written = clean;
                    if (corrupt)
                    {
                        written = LabelNoiseGenerator.Corrupt(clean, w, h, AlphaLabelSource.ForegroundId, noise, rng);
                        trainConfusion.Add(clean, written);
                        fgPixels += clean.Count(id => id == AlphaLabelSource.ForegroundId);
                        pixels += clean.Length;
                    }
                    LabelIdPng.Save(written, w, h, Path.Combine(dir, file + ".png"));
                    done++;
                    bar.Update(done / (double)total, $"labels {done}/{total}", done == total);
                }
            }
            Write(dataset.Train, trainDir, corrupt: true);
            Write(testViews, gtDir, corrupt: false);
        }
        var summary = new
        {
            train_views = dataset.Train.Count,
            gt_views = testViews.Count,
            width = dataset.Train[0].Camera.Width,
            height = dataset.Train[0].Camera.Height,
            noise = noiseName,
            seed,
            foreground_fraction = pixels == 0 ? double.NaN : (double)fgPixels / pixels,
            train_label_accuracy = trainConfusion.Accuracy,
            train_label_miou = trainConfusion.MeanIoU,
            seconds = clock.Elapsed.TotalSeconds,
        };
        Console.WriteLine(JsonSerializer.Serialize(summary));
        Console.Error.WriteLine($"make-labels: wrote {dataset.Train.Count} training labels to {trainDir} and {testViews.Count} ground-truth labels to {gtDir}");
        return Task.FromResult(0);
    }
}
