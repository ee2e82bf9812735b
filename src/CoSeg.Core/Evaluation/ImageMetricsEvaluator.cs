using CoSeg.Data;
using CoSeg.Gaussians;
using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Evaluation;

/// <summary>Renders every view of a split and compares it with the ground-truth image.</summary>
public static class ImageMetricsEvaluator
{
    /// <summary>
    /// Evaluates <paramref name="scene"/> on <paramref name="split"/> ("train", "val" or "test") of
    /// <paramref name="dataset"/>, rendering on the dataset's background; renders are clamped to [0, 1].
    /// </summary>
    public static ImageMetricsReport Evaluate(GaussianScene scene, SceneDataset dataset, string split, string backend = "auto",
                                              IProgress<int>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var views = split switch
        {
            "train" => dataset.Train,
            "val" => dataset.Val,
            "test" => dataset.Test,
            _ => throw new ArgumentException($"Unknown split '{split}'; use train, val or test.", nameof(split)),
        };
        if (views.Count == 0)
            throw new ArgumentException($"Dataset '{dataset.RootPath ?? dataset.Format}' has no {split} views.", nameof(split));
        var options = new RenderOptions { Backend = backend, Settings = new RasterSettings { Background = dataset.Background.ToArray() } };
        return Evaluate(scene, views, options, progress, ct);
    }

    /// <summary>Evaluates <paramref name="scene"/> on <paramref name="views"/> with the given render options.</summary>
    /// <param name="scene">The scene to render (not modified).</param>
    /// <param name="views">Views with ground-truth images.</param>
    /// <param name="options">Render options (backend, background, SH degree).</param>
    /// <param name="progress">Receives the number of views done.</param>
    /// <param name="ct">Checked between views.</param>
    public static ImageMetricsReport Evaluate(GaussianScene scene, IReadOnlyList<SceneView> views, RenderOptions? options = null,
                                              IProgress<int>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(views);
        if (views.Count == 0) throw new ArgumentException("No views to evaluate.", nameof(views));
        GaussianSceneValidation.Require(scene, "the scene to evaluate");
        var results = new List<ViewImageMetrics>(views.Count);
        // The next view's image is decoded on a worker while this one renders: decoding is single-threaded and takes
        // as long as rendering and scoring a small view, so overlapping them nearly halves an evaluation.
        Task<SceneImage>? next = Task.Run(views[0].LoadImage, ct);
        try
        {
            for (int i = 0; i < views.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                using var image = next!.GetAwaiter().GetResult();
                next = null;
                if (i + 1 < views.Count)
                {
                    var view = views[i + 1];
                    next = Task.Run(view.LoadImage, ct);
                }
                using var render = Rasterizer.Render(scene, views[i].Camera, options);
                var pred = render.Image.detach().clamp(0, 1);
                using var valid = views[i].LoadValidMask();
                if (valid is null)
                    results.Add(new ViewImageMetrics(views[i].Name, Psnr.Compute(pred, image.Rgb), Ssim.Compute(pred, image.Rgb),
                                                     MeanAbsoluteError.Compute(pred, image.Rgb)));
                else
                {
                    // Only valid pixels count (undistorted lens border, mask files): PSNR and L1 over them, SSIM on the
                    // render with the excluded pixels taken from the ground truth.
                    var v3 = valid.unsqueeze(-1);
                    double n = Math.Max(1, valid.sum().item<float>() * 3);
                    var diff = (pred - image.Rgb) * v3;
                    double mse = diff.square().sum().item<float>() / n, l1 = diff.abs().sum().item<float>() / n;
                    var composite = pred * v3 + image.Rgb * (1 - v3);
                    results.Add(new ViewImageMetrics(views[i].Name, Psnr.FromMse(Math.Max(mse, 1e-12)), Ssim.Compute(composite, image.Rgb), l1));
                }
                progress?.Report(i + 1);
            }
        }
        finally
        {
            // Cancelled or failed mid-way: the prefetched image is still ours to release.
            if (next is not null)
                try { next.GetAwaiter().GetResult().Dispose(); } catch (Exception) { /* the failure that matters is already propagating */ }
        }
        return new ImageMetricsReport(results.Average(r => r.Psnr), results.Average(r => r.Ssim), results.Average(r => r.L1), results);
    }
}
