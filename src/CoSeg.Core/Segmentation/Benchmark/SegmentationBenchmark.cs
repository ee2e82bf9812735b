using System.Diagnostics;
using CoSeg.Evaluation;

namespace CoSeg.Segmentation.Benchmark;

/// <summary>One method's scores on the synthetic benchmark's held-out views.</summary>
/// <param name="Method">"coseg", "per-gaussian" (Gaussian Grouping's recipe), "per-gaussian-bare" or "vote".</param>
/// <param name="Noise">Noise level name.</param>
/// <param name="MeanIoU">Mean IoU over segments on test views.</param>
/// <param name="Accuracy">Pixel accuracy on test views.</param>
/// <param name="PQ">Scene-level panoptic quality (class-agnostic) on test views.</param>
/// <param name="Seconds">Wall-clock seconds of the segmentation.</param>
/// <param name="TrainLabelAccuracy">Accuracy of the corrupted training labels vs the truth (how noisy the input was).</param>
/// <param name="Timings">Seconds per stage and peak memory of the segmentation (label rendering = the scoring renders).</param>
public sealed record SegmentationBenchmarkResult(string Method, string Noise, double MeanIoU, double Accuracy, double PQ, double Seconds, double TrainLabelAccuracy,
                                                 SegmentationTimings? Timings = null);

/// <summary>Runs a method on the synthetic scene with corrupted training labels and scores it on held-out views.</summary>
public static class SegmentationBenchmark
{
    /// <summary>Corrupts the training ground truth with <paramref name="noise"/> (deterministic per seed).</summary>
    public static Dictionary<string, int[]> NoisyLabels(SyntheticSegmentationScene s, LabelNoiseOptions noise, int seed)
    {
        var rng = new Random(seed * 7919 + 17);
        var d = new Dictionary<string, int[]>();
        for (int v = 0; v < s.TrainViews.Count; v++)
        {
            var cam = s.TrainViews[v].Camera;
            d[s.TrainViews[v].Name] = LabelNoiseGenerator.Corrupt(s.TrainGroundTruth[v], cam.Width, cam.Height, s.Segments, noise, rng);
        }
        return d;
    }

    /// <summary>Segments the scene with <paramref name="options"/> and evaluates on the test views.</summary>
    public static async Task<SegmentationBenchmarkResult> RunAsync(SyntheticSegmentationScene s, string noiseName, LabelNoiseOptions noise,
        SegmentOptions options, int seed, IProgress<SegmentProgress>? progress = null, CancellationToken ct = default)
    {
        var labels = NoisyLabels(s, noise, seed);
        var conf = new SegmentationConfusionMatrix();
        for (int v = 0; v < s.TrainViews.Count; v++) conf.Add(s.TrainGroundTruth[v], labels[s.TrainViews[v].Name]);
        var sw = Stopwatch.StartNew();
        var opts = options with { Classes = Math.Max(options.Classes, s.Segments + 1), Mode = noise.PermuteIds ? LabelMode.Instance : LabelMode.Semantic, Seed = seed };
        using var result = await Segmenter.SegmentAsync(s.Scene, s.TrainViews, new InMemoryLabelSource(labels), null, opts, progress, ct).ConfigureAwait(false);
        double secs = sw.Elapsed.TotalSeconds;
        var scorer = new LabelMapScorer(matchInstanceIds: opts.Mode == LabelMode.Instance);
        foreach (var (view, gt) in s.TestViews.Zip(s.TestGroundTruth))
        {
            using var map = result.RenderLabels(view.Camera);
            using var m32 = map.to(TorchSharp.torch.ScalarType.Int32).reshape(-1);
            scorer.Add(gt, m32.data<int>().ToArray());
        }
        var scores = scorer.Score();
        string method = opts.Method switch
        {
            SegmentationMethod.CoSeg => "coseg", SegmentationMethod.Vote => "vote",
            _ => opts.PerGaussianRecipe == PerGaussianRecipe.Bare ? "per-gaussian-bare" : "per-gaussian",
        };
        return new SegmentationBenchmarkResult(method, noiseName, scores.MeanIoU, scores.Accuracy, scores.PQ, secs, conf.Accuracy, result.Timings);
    }
}
