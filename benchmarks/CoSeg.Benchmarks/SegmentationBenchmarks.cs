using CoSeg.Geometry;
using BenchmarkDotNet.Attributes;
using CoSeg.Rendering;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;

namespace CoSeg.Benchmarks;

/// <summary>
/// Stages of the segmentation pipeline on the generated benchmark scene: one frozen-geometry training step's backend
/// work (visible set, K-channel render, channels-only backward) on the default backend, k-NN over Gaussian centres,
/// and a full (short) CoSeg / per-Gaussian / vote segmentation. Quality numbers come from `coseg bench-seg`.
/// </summary>
[MemoryDiagnoser]
public class SegmentationBenchmarks
{
    private SyntheticSegmentationScene _scene = null!;
    private FrozenGeometry _geometry = null!;
    private float[] _means = null!;
    private Dictionary<string, int[]> _labels = null!;

    /// <summary>Gaussians per unit of object surface (900 ≈ 16k Gaussians, 5800 ≈ 100k).</summary>
    [Params(900, 5800)]
    public double Density { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scene = SyntheticSegmentationScene.Create(new SyntheticSceneOptions { Density = Density, ImageSize = 128, TrainViews = 12, TestViews = 2 });
        _geometry = new FrozenGeometry(_scene.Scene, "auto");
        _means = _geometry.Means.data<float>().ToArray();
        _labels = SegmentationBenchmark.NoisyLabels(_scene, LabelNoiseOptions.Default, 0);
    }

    [GlobalCleanup]
    public void Cleanup() { _geometry.Dispose(); _scene.Dispose(); }

    [Benchmark(Description = "training step backend work, one 128² view, K = 8")]
    public long TrainingStep()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var view = _geometry.View(_scene.TrainViews[0].Camera);
        var visible = _geometry.Visible(view);
        var channels = TorchSharp.torch.zeros(_geometry.Count, 8).requires_grad_(true);
        var (image, _) = _geometry.Render(channels, view);
        image.sum().backward();
        return visible.shape[0];
    }

    [Benchmark(Description = "k-NN, k = 128")]
    public int Knn() => new NeighborGrid(_means).Query(128).Length;

    [Benchmark(Description = "vote segmentation")]
    public int Vote() => Segment(SegmentationMethod.Vote);

    [Benchmark(Description = "CoSeg segmentation, 200 steps")]
    public int CoSeg() => Segment(SegmentationMethod.CoSeg);

    [Benchmark(Description = "per-Gaussian segmentation, 200 steps")]
    public int PerGaussian() => Segment(SegmentationMethod.PerGaussian);

    private int Segment(SegmentationMethod m)
    {
        using var r = Segmenter.SegmentAsync(_scene.Scene, _scene.TrainViews, new InMemoryLabelSource(_labels), null,
            new SegmentOptions { Method = m, Classes = _scene.Segments + 1, Iterations = 200 }).GetAwaiter().GetResult();
        return r.GaussianIdentities.Length;
    }
}
