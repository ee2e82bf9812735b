using System.Text.Json;
using CoSeg.Common;
using CoSeg.Data;
using CoSeg.Evaluation;
using CoSeg.Features;
using CoSeg.Gaussians;
using CoSeg.Models;
using CoSeg.Segmentation;
using static TorchSharp.torch;

namespace CoSeg.Cli.Commands;

/// <summary>`coseg segment`: segments a reconstructed scene from per-view label PNGs.</summary>
internal sealed class SegmentCommand : ICliCommand
{
    public string Name => "segment";
    public string Summary => "Segment a Gaussian scene from raw 2D label PNGs (CoSeg shared decoder, per-Gaussian baseline or training-free vote)";
    public IReadOnlyList<CliOption> Options { get; } = CliMethods.Options("segmentation method (default coseg): " + CliMethods.Help).Concat(new[]
    {
        new CliOption("data", "DIR", "dataset folder (nerf-synthetic, instant-ngp, llff, colmap)", Required: true, IsPath: true),
        new CliOption("ply", "FILE", "reconstructed scene (PLY, compressed PLY, .spz or .splat)", Required: true, IsPath: true),
        new CliOption("labels", "DIR|MODEL", "raw label PNGs, one per training view (<view name>.png), or a 2D model that labels the views: onnx:PATH, torchscript:PATH, sam:ENCODER,DECODER (SAM automatic masks; implies --instance)", Required: true),
        new CliOption("out", "DIR", "output folder", Required: true, IsPath: true, MustExist: false),
        new CliOption("backend", "NAME", CliBackends.Help),
        new CliOption("features", "builtin|MODEL", "2D feature backbone for CoSeg: builtin (default), torchscript:PATH or onnx:PATH"),
        new CliOption("classes", "K", "output identities including 0 = ignore (default 16)"),
        new CliOption("gt", "DIR", "ground-truth label PNGs of the test views: writes metrics.json", IsPath: true),
        new CliOption("iterations", "N", "training steps (default 1500)"),
        new CliOption("instance", null, "labels are per-view instance ids (Hungarian association)"),
        new CliOption("skip-missing-images", null, "load the frames that have images and report the ones that do not"),
        new CliOption("downscale", "F", "load images downscaled by F (default 1)"),
        new CliOption("max-side", "PX", "longest image side used for training (default 200)", Sets: nameof(SegmentOptions.MaxImageSide)),
        new CliOption("void-as", "ID", "when scoring --gt, count pixels the scene does not cover (predicted 0) as this id, e.g. the background class (default: wrong)"),
    }).ToArray();

    public async Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        string outDir = args.Require("out");
        string methodName = args.GetChoice("method", "coseg", CliMethods.Names);
        int classes = args.GetInt("classes", 16), iterations = args.GetInt("iterations", 1500), downscale = args.GetInt("downscale", 1);
        if (classes < 2) throw new CliUsageException("--classes must be ≥ 2");
        if (iterations < 1) throw new CliUsageException("--iterations must be ≥ 1 (0 would score an untrained field)");
        if (downscale < 1) throw new CliUsageException("--downscale must be ≥ 1");
        int voidAs = args.GetInt("void-as", 0);
        if (voidAs < 0 || voidAs >= classes) throw new CliUsageException($"--void-as must be in 0..{classes - 1} (the class ids), got {voidAs}");
        string feat = args.Get("features") ?? "builtin", labelSpec = args.Require("labels");
        IFeatureExtractor extractor;
        try { extractor = ModelSpec.CreateFeatureExtractor(feat); }
        catch (ArgumentException e) { throw new CliUsageException($"--features: {e.Message}"); }
        ILabelSource? labels = null;
        try
        {
            try { labels = ModelSpec.CreateLabelSource(labelSpec); }
            catch (Exception e) when (e is ArgumentException or DirectoryNotFoundException) { throw new CliUsageException($"--labels: {e.Message}"); }
            using var dataset = DatasetLoader.Load(args.Require("data"), new DatasetLoadOptions { Downscale = downscale, SkipMissingImages = args.Has("skip-missing-images") }, ct);
            using var scene = GaussianSceneFile.Load(args.Require("ply"));
            var options = CliMethods.Apply(new SegmentOptions
            {
                Classes = classes, Iterations = iterations, Mode = args.Has("instance") || ModelSpec.IsInstanceLabelSpec(labelSpec) ? LabelMode.Instance : LabelMode.Semantic,
                MaxImageSide = args.GetInt("max-side", 200), Backend = CliBackends.Get(args),
            }, methodName, args);
            var method = methodName;
            Console.Error.WriteLine($"segment: {scene.Count} Gaussians, {dataset.Train.Count} training views, method {method}, features {extractor.Name}");
            var progress = new Progress<SegmentProgress>(p =>
            {
                if (p.Stage == "train" && p.Step % 250 == 1) Console.Error.WriteLine($"  train {p.Step}/{p.Total} loss {p.Loss:F4}");
            });
            using var result = await Segmenter.SegmentAsync(scene, dataset, labels, extractor, options, progress, ct);
            foreach (var w in result.Warnings) Console.Error.WriteLine($"  warning: {w}");
            Console.Error.WriteLine($"segment: backend {result.Backend}");
            result.SavePly(Path.Combine(outDir, "segmented.ply"));
            var testViews = dataset.Test.Count > 0 ? dataset.Test : dataset.Val.Count > 0 ? dataset.Val : dataset.Train;
            var mapsDir = Path.Combine(outDir, "labels");
            Directory.CreateDirectory(mapsDir);
            var gt = args.Get("gt") is { } g ? new PngFolderLabelSource(g) : null;
            // Empty space renders as 0; for a foreground/background split it is background, not an error (--void-as).
            var scorer = new LabelMapScorer(matchInstanceIds: options.Mode == LabelMode.Instance, voidAs: voidAs);
            foreach (var v in testViews)
            {
                ct.ThrowIfCancellationRequested();
                // The scope also keeps chained temporaries (to(...).reshape(...)) alive while native code uses them.
                using var scope = NewDisposeScope();
                using var map = result.RenderLabels(v.Camera);
                LabelMapImage.SavePng(map, Path.Combine(mapsDir, v.Name + ".png"));
                if (gt is null) continue;
                using var truth = gt.GetLabels(new SegmentationView(v.Name, v.Camera, null));
                if (truth is null) { Console.Error.WriteLine($"  warning: no ground truth for test view '{v.Name}'"); continue; }
                scorer.Add(truth, map);
            }
            var timings = TimingsJson(result.Timings);
            File.WriteAllText(Path.Combine(outDir, "timings.json"), JsonSerializer.Serialize(timings));
            if (gt is not null)
            {
                if (scorer.Views == 0) throw new InvalidDataException($"--gt {args.Get("gt")} has no label image for any test view.");
                var scores = scorer.Score();
                var json = JsonSerializer.Serialize(new
                {
                    miou = scores.MeanIoU, accuracy = scores.Accuracy, pq = scores.PQ, views = scores.Views, seconds = result.Seconds, timings,
                    class_iou = scores.ClassIoU.ToDictionary(kv => kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), kv => kv.Value),
                });
                AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), json);
                Console.WriteLine(json);
            }
            if (gt is null) Console.WriteLine(JsonSerializer.Serialize(new { seconds = result.Seconds, timings }));
            Console.Error.WriteLine($"segment: wrote {outDir}/segmented.ply and {testViews.Count} label maps in {result.Seconds:F1} s");
            return 0;
        }
        finally { (extractor as IDisposable)?.Dispose(); (labels as IDisposable)?.Dispose(); }
    }

    /// <summary>Seconds per stage and peak memory, as JSON fields (also used by bench-seg).</summary>
    internal static Dictionary<string, object> TimingsJson(SegmentationTimings t) => new()
    {
        ["labels_s"] = Math.Round(t.LabelsSeconds, 3), ["features_s"] = Math.Round(t.FeaturesSeconds, 3),
        ["unprojection_s"] = Math.Round(t.UnprojectionSeconds, 3), ["knn_s"] = Math.Round(t.KnnSeconds, 3),
        ["association_s"] = Math.Round(t.AssociationSeconds, 3), ["voting_s"] = Math.Round(t.VotingSeconds, 3),
        ["training_s"] = Math.Round(t.TrainingSeconds, 3), ["label_rendering_s"] = Math.Round(t.LabelRenderingSeconds, 3),
        ["total_s"] = Math.Round(t.TotalSeconds, 3),
        ["peak_rss_mb"] = Math.Round(t.PeakResidentBytes / 1048576.0, 1), ["peak_managed_mb"] = Math.Round(t.PeakManagedBytes / 1048576.0, 1),
        ["training_parts_s"] = t.TrainingParts.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3)),
    };
}
