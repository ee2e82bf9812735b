using CoSeg.Common;
using CoSeg.Data;
using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Reconstruction;
using CoSeg.Rendering;
using CoSeg.Rendering.Native;
using CoSeg.Segmentation;
using static TorchSharp.torch;

namespace CoSeg.Tests.Foundation;

/// <summary>Options trusted as sizes are checked against the memory budget before libtorch, ILGPU or native code is asked.</summary>
public class MemoryBudgetTests
{
    private static GaussianScene Scene(int n) => new(rand(n, 3), full(n, 3, -3f), cat(new[] { ones(n, 1), zeros(n, 3) }, 1), zeros(n), zeros(n, 1, 3));

    private static Camera Cam(int w, int h) => new(w, h, w, w, w / 2.0, h / 2.0, new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 4 });

    [Fact]
    public void Render_of_a_100000_square_image_is_refused()
    {
        using var s = Scene(10);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Rasterizer.Render(s, Cam(100_000, 100_000)));
        Assert.Contains("100000×100000", e.Message);
    }

    [Fact]
    public void Render_beyond_the_budget_is_refused_with_the_amount()
    {
        MemoryBudget.Limit = 16L << 20; // this async flow only
        try
        {
            using var s = Scene(10);
            var e = Assert.Throws<InsufficientMemoryException>(() => Rasterizer.Render(s, Cam(4000, 3000)));
            Assert.Contains("4000×3000", e.Message);
            Assert.Contains("MiB", e.Message);
            using var small = Rasterizer.Render(s, Cam(32, 24), new RenderOptions { Backend = "reference" });
        }
        finally { MemoryBudget.ResetLimit(); }
    }

    [Fact]
    public void Benchmark_scene_of_a_billion_gaussians_is_refused()
    {
        MemoryBudget.Limit = 1L << 30;
        try
        {
            var e = Assert.Throws<InsufficientMemoryException>(() => SyntheticSplatScene.Create(1_000_000_000, 256, 256));
            Assert.Contains("1000000000 Gaussians", e.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticSplatScene.Create(10, 100_000, 100_000));
        }
        finally { MemoryBudget.ResetLimit(); }
    }

    [Fact]
    public void Reconstruct_with_two_billion_init_points_is_refused()
    {
        MemoryBudget.Limit = 1L << 30;
        try
        {
            var data = new TrainingData(new[] { new TrainingView(Cam(8, 6), () => (zeros(6, 8, 3), null)) }, null, null, new[] { 1f, 1f, 1f }, true);
            var e = Assert.Throws<InsufficientMemoryException>(() => Reconstructor.Initialize(data, new ReconstructOptions { InitPoints = 2_000_000_000 }));
            Assert.Contains("InitPoints", e.Message);
        }
        finally { MemoryBudget.ResetLimit(); }
    }

    [Fact]
    public async Task Segment_with_100000_classes_is_refused_and_zero_iterations_too()
    {
        MemoryBudget.Limit = 1L << 30;
        try
        {
            using var s = Scene(100);
            var views = new[] { new SegmentationView("v", Cam(16, 12), null) };
            var labels = new InMemoryLabelSource(new Dictionary<string, int[]> { ["v"] = new int[16 * 12] });
            var e = await Assert.ThrowsAsync<InsufficientMemoryException>(() =>
                Segmenter.SegmentAsync(s, views, labels, null, new SegmentOptions { Classes = 100_000, Method = SegmentationMethod.PerGaussian }));
            Assert.Contains("100000 classes", e.Message);
            var z = Assert.Throws<ArgumentOutOfRangeException>(() => new SegmentOptions { Iterations = 0 }.Validate());
            Assert.Contains("untrained", z.Message.Replace("never trained", "untrained"));
        }
        finally { MemoryBudget.ResetLimit(); }
    }

    [Fact]
    public void Libtorch_allocation_failures_are_translated()
    {
        var t = MemoryBudget.Translate(new System.Runtime.InteropServices.ExternalException("[enforce fail at alloc_cpu.cpp:116] DefaultCPUAllocator: can't allocate memory: you tried to allocate 4000000000000 bytes."), "Rendering");
        Assert.IsType<InsufficientMemoryException>(t);
        Assert.Null(MemoryBudget.Translate(new InvalidOperationException("other"), "Rendering"));
    }
}
