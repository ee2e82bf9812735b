using System.Diagnostics;
using CoSeg.Reconstruction;
using static TorchSharp.torch;

namespace CoSeg.Tests.Reconstruction;

public sealed class ReconstructorTests
{
    [Fact]
    public void Train_FitsTwoGaussians_LossDropsSubstantially()
    {
        var data = TinyScenes.Data();
        using var start = TinyScenes.Start();
        var losses = new List<double>();
        using var fitted = Reconstructor.Train(start, data, TinyScenes.Options(300), new TinyScenes.SyncProgress(p => losses.Add(p.Loss)));
        Assert.Equal(300, losses.Count);
        double first = losses.Take(4).Average(), last = losses.TakeLast(20).Average();
        Assert.True(last < 0.25 * first, $"loss should fall by 4× at least: first {first:F4}, last {last:F4}");
        Assert.False(fitted.Means.requires_grad);
        Assert.Equal(2, fitted.Count);
    }

    [Theory]
    [InlineData("reference")]
    [InlineData("native")]
    [InlineData("ilgpu")]
    public void Train_SameSeed_GivesIdenticalParameters_WithDensification(string backend)
    {
        var data = TinyScenes.Data(3, 24);
        var opts = TinyScenes.Options(40) with { Backend = backend, DensifyFrom = 5, DensifyInterval = 10, DensifyUntil = 35, DensifyGradThreshold = 1e-7, Seed = 7 };
        using var s0 = TinyScenes.Start();
        using var a = Reconstructor.Train(s0, data, opts);
        using var b = Reconstructor.Train(s0, data, opts);
        Assert.True(a.Count > 2, $"the low threshold should densify (count {a.Count})");
        Assert.Equal(a.Count, b.Count);
        Assert.True(a.Means.eq(b.Means).all().item<bool>());
        Assert.True(a.ShCoefficients.eq(b.ShCoefficients).all().item<bool>());
        Assert.True(a.OpacityLogits.eq(b.OpacityLogits).all().item<bool>());
        using var c = Reconstructor.Train(s0, data, opts with { Seed = 8 });
        Assert.False(c.Count == a.Count && c.Means.eq(a.Means).all().item<bool>(), "another seed should change the run");
    }

    [Fact]
    public void Train_Cancellation_StopsWithinOneIteration()
    {
        var data = TinyScenes.Data(2, 16);
        using var start = TinyScenes.Start();
        using var cts = new CancellationTokenSource();
        int last = 0;
        var progress = new TinyScenes.SyncProgress(p => { last = p.Iteration; if (p.Iteration == 5) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Reconstructor.Train(start, data, TinyScenes.Options(100), progress, cts.Token));
        Assert.Equal(5, last);
    }

    [Fact]
    public async Task TrainAsync_PreCancelled_Throws()
    {
        var data = TinyScenes.Data(2, 16);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Reconstructor.TrainAsync(data, TinyScenes.Options(10) with { InitPoints = 50 }, null, cts.Token));
    }

    [Fact]
    public void Train_NaNLoss_ThrowsNamingTheIteration()
    {
        var good = TinyScenes.Data(2, 16);
        // The second view visited has a NaN pixel; whichever it is, the exception names its iteration.
        var views = good.Views.Select((v, i) => new CoSeg.Reconstruction.TrainingView(v.Camera, () =>
        {
            var (rgb, _) = v.Load();
            var bad = rgb.clone();
            if (i == 1) bad[3, 4, 0] = float.NaN;
            return (bad, null);
        })).ToList();
        var data = good with { Views = views };
        using var start = TinyScenes.Start();
        int reported = 0;
        var e = Assert.Throws<ReconstructionDivergedException>(() =>
            Reconstructor.Train(start, data, TinyScenes.Options(10), new TinyScenes.SyncProgress(p => reported = p.Iteration)));
        Assert.Equal(reported + 1, e.Iteration);
        Assert.Contains($"iteration {e.Iteration}", e.Message);
    }

    [Fact]
    public void TrainAsync_RandomInit_RunsAndKeepsCountPositive()
    {
        var data = TinyScenes.Data(3, 16);
        using var scene = Reconstructor.TrainAsync(data, TinyScenes.Options(20) with { InitPoints = 200, ShDegree = 1 }).GetAwaiter().GetResult();
        Assert.Equal(200, scene.Count);
        Assert.Equal(1, scene.ShDegree);
        Assert.True(isfinite(scene.Means).all().item<bool>());
    }
}

public sealed class ReconstructorDatasetTests
{
    [Fact]
    public async Task ReconstructAsync_FromMemoryDatasetWithPoints_InitialisesFromPointsAndImproves()
    {
        using var truth = TinyScenes.Truth();
        var cams = TinyScenes.Cameras(4, 24);
        var items = cams.Select(c =>
        {
            using var r = CoSeg.Rendering.Rasterizer.Render(truth, c, new CoSeg.Rendering.RenderOptions { Backend = "reference" });
            return (c, r.Image.detach().clone(), (Tensor?)null);
        }).ToList();
        using var pts = truth.Means + 0.05f;
        using var cols = full(2, 3, 0.5f);
        using var ds = CoSeg.Data.SceneDataset.FromMemory(items, test: items, points: pts, pointColors: cols, background: [0f, 0f, 0f]);
        var opts = TinyScenes.Options(150);
        using var scene = await Reconstructor.ReconstructAsync(ds, opts, null, CancellationToken.None);
        Assert.Equal(2, scene.Count);
        using var init = Reconstructor.Initialize(Reconstructor.ToTrainingData(ds), opts);
        Assert.True(allclose(init.Means, pts));
        var before = CoSeg.Evaluation.ImageMetricsEvaluator.Evaluate(init, ds, "test", "reference");
        var after = CoSeg.Evaluation.ImageMetricsEvaluator.Evaluate(scene, ds, "test", "reference");
        Assert.True(after.Psnr > before.Psnr + 5, $"PSNR {before.Psnr:F2} → {after.Psnr:F2}");
    }
}

public sealed class ReconstructorScheduleTests
{
    [Fact]
    public void OpacityReset_IsSkippedNearTheEnd()
    {
        var data = TinyScenes.Data(2, 16);
        using var start = TinyScenes.Start();
        // Reset due at iteration 18 of 20: with 5 iterations required after a reset it must not happen.
        var opts = TinyScenes.Options(20) with { OpacityResetInterval = 18, DensifyUntil = 1000, MinIterationsAfterOpacityReset = 5 };
        using var kept = Reconstructor.Train(start, data, opts);
        Assert.True(kept.OpacityLogits.sigmoid().max().item<float>() > 0.05f, "no reset expected near the end");
        using var reset = Reconstructor.Train(start, data, opts with { MinIterationsAfterOpacityReset = 0 });
        Assert.True(reset.OpacityLogits.sigmoid().max().item<float>() < 0.05f, "with the guard off the reset at 18 leaves low opacities");
    }
}

/// <summary>Resident memory stays flat over thousands of training iterations (runs alone, see ResidentMemoryCollection).</summary>
[Collection(CoSeg.Tests.Infrastructure.ResidentMemoryCollection.Name)]
public sealed class ReconstructorMemoryTests
{
    [Fact]
    public void Train_ResidentMemoryStaysFlat()
    {
        var data = TinyScenes.Data(2, 16);
        using var start = TinyScenes.Start();
        long at200 = 0, at2000 = 0;
        var progress = new TinyScenes.SyncProgress(p =>
        {
            if (p.Iteration is 200 or 2000)
            {
                GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
                using var proc = Process.GetCurrentProcess();
                proc.Refresh();
                if (p.Iteration == 200) at200 = proc.WorkingSet64; else at2000 = proc.WorkingSet64;
            }
        });
        using var _ = Reconstructor.Train(start, data, TinyScenes.Options(2000), progress);
        double growth = (at2000 - at200) / (double)at200;
        Assert.True(growth < 0.10, $"resident memory grew {growth:P1} between iterations 200 ({at200 >> 20} MiB) and 2000 ({at2000 >> 20} MiB)");
    }
}
