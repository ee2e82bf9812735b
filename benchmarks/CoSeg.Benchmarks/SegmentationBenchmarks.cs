using CoSeg.Geometry;
using BenchmarkDotNet.Attributes;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;

namespace CoSeg.Benchmarks;

/// <summary>
/// Stages of the segmentation pipeline on the generated benchmark scene: blending-weight cache per view, k-NN over
/// Gaussian centres, and a full (short) CoSeg / per-Gaussian segmentation. Quality numbers come from `coseg bench-seg`.
/// </summary>
[MemoryDiagnoser]
public class SegmentationBenchmarks
{
    private SyntheticSegmentationScene _scene = null!;
    private BlendWeightRasterizer.Geometry _geometry = null!;
    private Dictionary<string, int[]> _labels = null!;

    /// <summary>Gaussians per unit of object surface (900 ≈ 16k Gaussians, 5800 ≈ 100k).</summary>
    [Params(900, 5800)]
    public double Density { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scene = SyntheticSegmentationScene.Create(new SyntheticSceneOptions { Density = Density, ImageSize = 128, TrainViews = 12, TestViews = 2 });
        _geometry = BlendWeightRasterizer.Geometry.FromScene(_scene.Scene);
        _labels = SegmentationBenchmark.NoisyLabels(_scene, LabelNoiseOptions.Default, 0);
    }

    [GlobalCleanup]
    public void Cleanup() => _scene.Dispose();

    [Benchmark(Description = "blend weights, one 128² view")]
    public int BlendWeights()
    {
        using var w = BlendWeightRasterizer.Compute(_geometry, _scene.TrainViews[0].Camera);
        return w.Count;
    }

    [Benchmark(Description = "k-NN, k = 128")]
    public int Knn() => new NeighborGrid(_geometry.Means).Query(128).Length;

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
