using CoSeg.Data;
using CoSeg.Evaluation;
using CoSeg.Reconstruction;
using CoSeg.Rendering;
using CoSeg.Tests.Reconstruction;
using static TorchSharp.torch;

namespace CoSeg.Tests.Evaluation;

public sealed class ImageMetricsEvaluatorTests
{
    [Fact]
    public void Evaluate_AveragesPerViewMetrics_OverTheSplit()
    {
        using var truth = TinyScenes.Truth();
        using var other = TinyScenes.Start();
        var cams = TinyScenes.Cameras(3, 20);
        var items = cams.Select(c =>
        {
            using var r = Rasterizer.Render(truth, c, new RenderOptions { Backend = "reference" });
            return (c, r.Image.detach().clone(), (Tensor?)null);
        }).ToList();
        using var ds = SceneDataset.FromMemory(items.Take(1).ToList(), test: items, background: [0f, 0f, 0f]);
        var report = ImageMetricsEvaluator.Evaluate(other, ds, "test", "reference");
        Assert.Equal(3, report.Views.Count);
        // Independent: MSE by hand per view, then the mean of per-view PSNRs.
        var psnrs = new List<double>();
        foreach (var (c, gt, _) in items)
        {
            using var r = Rasterizer.Render(other, c, new RenderOptions { Backend = "reference" });
            var a = r.Image.detach().clamp(0, 1).data<float>().ToArray();
            var b = gt.data<float>().ToArray();
            double mse = a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Average();
            psnrs.Add(10 * Math.Log10(1 / mse));
        }
        Assert.Equal(psnrs.Average(), report.Psnr, 3);
        Assert.InRange(report.Ssim, 0, 0.9999);
        var perfect = ImageMetricsEvaluator.Evaluate(truth, ds, "test", "reference");
        Assert.True(perfect.Psnr > 60, $"the true scene should reproduce its renders (PSNR {perfect.Psnr})");
        Assert.Equal(1.0, perfect.Ssim, 4);
        Assert.Throws<ArgumentException>(() => ImageMetricsEvaluator.Evaluate(truth, ds, "val", "reference"));
    }
}
