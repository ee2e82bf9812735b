namespace CoSeg.Tests.Packaging;

/// <summary>
/// Program.cs of the throw-away consumer app in <see cref="PackageConsumptionTests"/>: only the package's public API.
/// Generates a tiny scene with exact ground truth, reconstructs it from its RGB views (seeded by jittered centres, as
/// a COLMAP point cloud would be), segments the reconstruction from the training label maps, and prints one JSON line
/// with held-out PSNR / accuracy, their trivial baselines (black image, majority class) and the native-vs-reference
/// render difference (proves libcoseg_native.so loads from the package's runtimes folder).
/// </summary>
internal static class ConsumerProgram
{
    public const string Source = """
// Consumer of the CoSeg.Core package: reconstruct and segment a tiny generated scene, print one JSON line.
using System.Diagnostics;
using System.Text.Json;
using CoSeg.Evaluation;
using CoSeg.Reconstruction;
using CoSeg.Rendering;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using TorchSharp;

var clock = Stopwatch.StartNew();
void Log(string s) => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds:F1}s] {s}");
using var truth = SyntheticSegmentationScene.Create(new SyntheticSceneOptions { Objects = 2, Density = 150, TrainViews = 6, TestViews = 2, ImageSize = 32, Seed = 1 });
Log($"scene: {truth.Scene.Count} Gaussians, {truth.Segments} segments");

// Reconstruct from the RGB views, seeded by a jittered copy of the true centres (like a COLMAP point cloud).
using var points = truth.Scene.Means + 0.02f * torch.randn(truth.Scene.Count, 3, generator: new torch.Generator(1));
using var colors = (truth.Scene.ShCoefficients[torch.TensorIndex.Colon, 0] * 0.28209479177387814f + 0.5f).clamp(0, 1);
var views = truth.TrainViews.Select(v => new TrainingView(v.Camera, () => (v.Image!.clone(), (torch.Tensor?)null))).ToList();
var data = new TrainingData(views, points, colors, [0f, 0f, 0f], IsNerfSynthetic: false);
var ro = new ReconstructOptions { Iterations = 150, ShDegree = 0, Seed = 1 };
using var scene = await Reconstructor.TrainAsync(data, ro);
Log($"reconstructed: {scene.Count} Gaussians");

var labels = new InMemoryLabelSource(truth.TrainViews.Zip(truth.TrainGroundTruth).ToDictionary(p => p.First.Name, p => p.Second));
using var seg = await Segmenter.SegmentAsync(scene, truth.TrainViews, labels, null, new SegmentOptions { Classes = truth.Segments + 1, Iterations = 100, Seed = 1 });
Log("segmented");

var confusion = new SegmentationConfusionMatrix();
double psnr = 0, psnrBlack = 0, nativeDiff = 0;
var counts = new Dictionary<int, long>();
foreach (var (view, gt) in truth.TestViews.Zip(truth.TestGroundTruth))
{
    using var scope = torch.NewDisposeScope();
    using var noGrad = torch.no_grad();
    // The native library comes from the package's runtimes folder (ILGPU stands in when built with COSEG_SKIP_NATIVE=1).
    string fast = Environment.GetEnvironmentVariable("COSEG_SKIP_NATIVE") == "1" || !OperatingSystem.IsLinux() ? "ilgpu" : "native";
    using var native = Rasterizer.Render(scene, view.Camera, new RenderOptions { Backend = fast });
    using var reference = Rasterizer.Render(scene, view.Camera, new RenderOptions { Backend = "reference" });
    nativeDiff = Math.Max(nativeDiff, (native.Image - reference.Image).abs().max().item<float>());
    psnr += Psnr.Compute(native.Image.clamp(0, 1), view.Image!);
    psnrBlack += Psnr.Compute(torch.zeros_like(view.Image!), view.Image!);
    confusion.Add(gt, seg.RenderLabels(view.Camera).to(torch.ScalarType.Int32).reshape(-1).data<int>().ToArray());
    foreach (int g in gt) counts[g] = counts.GetValueOrDefault(g) + 1;
}
int n = truth.TestViews.Count;
Log("evaluated");
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
{
    ["gaussians"] = scene.Count, ["test_psnr"] = psnr / n, ["black_psnr"] = psnrBlack / n,
    ["test_accuracy"] = confusion.Accuracy, ["majority_accuracy"] = counts.Values.Max() / (double)counts.Values.Sum(),
    ["test_miou"] = confusion.MeanIoU, ["native_vs_reference_max_diff"] = nativeDiff, ["seconds"] = clock.Elapsed.TotalSeconds,
}));
""";
}
