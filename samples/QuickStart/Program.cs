// CoSeg.Core QuickStart: reconstruct a 3D Gaussian scene from posed images, segment it from 2D labels, save PLYs.
//   quickstart                          a small generated scene (exact ground truth; prints test PSNR and accuracy)
//   quickstart DATASET LABELS [OUT]     a dataset folder (NeRF-synthetic/instant-ngp/LLFF/COLMAP) and a folder of
//                                       label PNGs named like the images (or a TorchScript segmenter .pt)
// Add --json to print the summary as one JSON line.
using System.Text.Json;
using CoSeg.Data;
using CoSeg.Evaluation;
using CoSeg.Reconstruction;
using CoSeg.Rendering;
using CoSeg.Segmentation;
using CoSeg.Segmentation.Benchmark;
using TorchSharp;

bool json = args.Contains("--json");
args = args.Where(a => a != "--json").ToArray();
if (args.Length is 1 or > 3) { Console.Error.WriteLine("usage: quickstart [DATASET LABELS [OUT]] [--json]"); return 2; }
string outDir = args.Length == 3 ? args[2] : "quickstart-out";
Directory.CreateDirectory(outDir);
var summary = new Dictionary<string, object>();

if (args.Length == 0)
{
    // 1. A small scene built from Gaussians, rendered from a ring of cameras, with exact per-pixel labels.
    using var truth = SyntheticSegmentationScene.Create(new SyntheticSceneOptions { Objects = 3, Density = 200, TrainViews = 8, TestViews = 4, ImageSize = 48 });
    // 2. Reconstruct from the RGB training images, seeded by jittered true centres (what a COLMAP point cloud gives).
    using var points = truth.Scene.Means + 0.02f * torch.randn(truth.Scene.Count, 3);
    using var colors = (truth.Scene.ShCoefficients[.., 0] * 0.28209479177387814f + 0.5f).clamp(0, 1);
    var views = truth.TrainViews.Select(v => new TrainingView(v.Camera, () => (v.Image!.clone(), null))).ToList();
    var training = new TrainingData(views, points, colors, [0f, 0f, 0f], IsNerfSynthetic: false);
    using var scene = await Reconstructor.TrainAsync(training, new ReconstructOptions { Iterations = 300, ShDegree = 0 });
    scene.SavePly(Path.Combine(outDir, "scene.ply"));
    // 3. Segment the reconstruction from the training views' 2D label maps.
    var labels = new InMemoryLabelSource(truth.TrainViews.Zip(truth.TrainGroundTruth).ToDictionary(p => p.First.Name, p => p.Second));
    var segmentOptions = new SegmentOptions { Classes = truth.Segments + 1, Iterations = 200 };
    using var segmentation = await Segmenter.SegmentAsync(scene, truth.TrainViews, labels, null, segmentOptions);
    segmentation.SavePly(Path.Combine(outDir, "segmented.ply"));
    // 4. Score on held-out views: image PSNR of the reconstruction and pixel accuracy of the rendered labels.
    var scorer = new LabelMapScorer();
    double psnr = 0;
    foreach (var (view, groundTruth) in truth.TestViews.Zip(truth.TestGroundTruth))
    {
        using var scope = torch.NewDisposeScope();
        using (torch.no_grad()) using (var render = Rasterizer.Render(scene, view.Camera)) psnr += Psnr.Compute(render.Image.clamp(0, 1), view.Image!);
        scorer.Add(groundTruth, segmentation.RenderLabels(view.Camera).to(torch.ScalarType.Int32).reshape(-1).data<int>().ToArray());
    }
    summary["gaussians"] = scene.Count;
    summary["test_psnr"] = Math.Round(psnr / truth.TestViews.Count, 3);
    var scores = scorer.Score();
    summary["test_accuracy"] = Math.Round(scores.Accuracy, 4);
    summary["test_miou"] = Math.Round(scores.MeanIoU, 4);
}
else
{
    // A real dataset: reconstruct (short CPU run at quarter resolution), then segment from the label folder or model.
    using var dataset = DatasetLoader.Load(args[0], new DatasetLoadOptions { Downscale = 4 });
    using var scene = await Reconstructor.ReconstructAsync(dataset, new ReconstructOptions { Iterations = 3000, ScheduleScale = 0.1 }, null, default);
    scene.SavePly(Path.Combine(outDir, "scene.ply"));
    ILabelSource labels = args[1].EndsWith(".pt", StringComparison.OrdinalIgnoreCase) ? new TorchScriptLabelSource(args[1]) : new PngFolderLabelSource(args[1]);
    using var segmentation = await Segmenter.SegmentAsync(scene, dataset, labels, null, new SegmentOptions());
    segmentation.SavePly(Path.Combine(outDir, "segmented.ply"));
    summary["gaussians"] = scene.Count;
    summary["test_psnr"] = Math.Round(ImageMetricsEvaluator.Evaluate(scene, dataset, dataset.Test.Count > 0 ? "test" : "train").Psnr, 3);
    summary["segments_saved"] = segmentation.SaveSegmentPlys(Path.Combine(outDir, "segments")).Count;
}

summary["output"] = Path.GetFullPath(outDir);
if (json) Console.WriteLine(JsonSerializer.Serialize(summary));
else foreach (var (key, value) in summary) Console.WriteLine($"{key,-14} {value}");
return 0;
