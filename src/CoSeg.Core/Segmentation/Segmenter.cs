using System.Diagnostics;
using CoSeg.Common;
using CoSeg.Data;
using CoSeg.Features;
using CoSeg.Gaussians;
using CoSeg.Geometry;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Segmentation;

/// <summary>
/// Trains a segmentation field on a frozen Gaussian scene from raw 2D labels and returns per-Gaussian identities.
/// The geometry's blending weights are computed once per view (the rasterizer's conventions), so rendering the K
/// logit channels in every step is a sparse gather/scatter that autograd differentiates.
/// </summary>
public static class Segmenter
{
    /// <summary>
    /// Segments <paramref name="scene"/> from the labels of <paramref name="views"/>. <paramref name="features"/> is
    /// used by the CoSeg method (null = <see cref="BuiltinFeatureExtractor"/>); views need images then.
    /// Views without labels are skipped (counted in <see cref="SegmentationResult.SkippedViews"/>).
    /// </summary>
    public static Task<SegmentationResult> SegmentAsync(GaussianScene scene, IReadOnlyList<SegmentationView> views, ILabelSource labels,
        IFeatureExtractor? features, SegmentOptions options, IProgress<SegmentProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(views);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (views.Count == 0) throw new ArgumentException("no training views given.", nameof(views));
        GaussianSceneValidation.Require(scene, "the scene to segment");
        RequireMemory(scene.Count, views, options);
        return Task.Run(() =>
        {
            try { return Segment(scene, views, labels, features, options, progress, ct); }
            catch (Exception e) when (MemoryBudget.Translate(e, $"Segmenting {scene.Count} Gaussians into {options.Classes} classes") is { } oom) { throw oom; }
        }, ct);
    }

    /// <summary>
    /// Segments <paramref name="scene"/> using the training views of <paramref name="dataset"/> (their images are loaded
    /// once; view names are matched against the label source).
    /// </summary>
    public static async Task<SegmentationResult> SegmentAsync(GaussianScene scene, SceneDataset dataset, ILabelSource labels,
        IFeatureExtractor? features, SegmentOptions options, IProgress<SegmentProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var images = new List<SceneImage>();
        var masks = new List<Tensor>();
        try
        {
            var views = new List<SegmentationView>();
            foreach (var v in dataset.Train)
            {
                ct.ThrowIfCancellationRequested();
                var img = v.LoadImage();
                images.Add(img);
                var valid = v.LoadValidMask();
                if (valid is not null) masks.Add(valid);
                views.Add(new SegmentationView(v.Name, v.Camera, img.Rgb) { ValidMask = valid });
            }
            return await SegmentAsync(scene, views, labels, features, options, progress, ct).ConfigureAwait(false);
        }
        finally { foreach (var i in images) i.Dispose(); foreach (var m in masks) m.Dispose(); }
    }

    /// <summary>
    /// Refuses a segmentation whose buffers cannot fit: N × K logits (with gradients and, for the per-Gaussian field, Adam's
    /// two moments), the result's copy, and per training view the rendered logits, their softmax and gradient at the
    /// training resolution (one view at a time) plus the labels of every view.
    /// </summary>
    private static void RequireMemory(long n, IReadOnlyList<SegmentationView> views, SegmentOptions o)
    {
        double k = o.Classes;
        double logits = n * k * 4 * (o.Method == SegmentationMethod.PerGaussian ? 5 : 3);
        double side = o.MaxImageSide, pixels = side * side;
        double perView = pixels * k * 4 * 3 + views.Count * pixels * 8;
        MemoryBudget.Require(logits + perView, $"Segmenting {n} Gaussians into {o.Classes} classes",
            $"{ByteSize.Format(logits)} for {n} × {o.Classes} logits and their optimiser state, {ByteSize.Format(perView)} for views at {o.MaxImageSide} pixels",
            "use fewer classes, a smaller maximum image side or a smaller scene");
    }

    /// <summary>The training-resolution camera: downscaled so its longest side is at most <paramref name="maxSide"/>.</summary>
    internal static Camera TrainingCamera(Camera c, int maxSide)
    {
        int longest = Math.Max(c.Width, c.Height);
        if (longest <= maxSide) return c;
        double f = (double)longest / maxSide;
        return c.Resized(Math.Max(1, (int)Math.Round(c.Width / f)), Math.Max(1, (int)Math.Round(c.Height / f)));
    }

    private static SegmentationResult Segment(GaussianScene scene, IReadOnlyList<SegmentationView> views, ILabelSource labelSource,
        IFeatureExtractor? extractor, SegmentOptions o, IProgress<SegmentProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        int K = o.Classes;
        long n = scene.Count;
        var geometry = BlendWeightRasterizer.Geometry.FromScene(scene);
        var weights = new List<ViewBlendWeights>();
        var trainLabels = new List<Tensor?>();
        int skipped = 0;
        var warnings = new List<string>();
        try
        {
            for (int v = 0; v < views.Count; v++)
            {
                ct.ThrowIfCancellationRequested();
                var view = views[v] ?? throw new ArgumentException($"views[{v}] is null.", nameof(views));
                var cam = TrainingCamera(view.Camera, o.MaxImageSide);
                var w = BlendWeightRasterizer.Compute(geometry, cam, o.Raster);
                weights.Add(w);
                var raw = labelSource.GetLabels(view);
                if (raw is null)
                {
                    skipped++;
                    warnings.Add($"view '{view.Name}' has no labels; skipped.");
                    trainLabels.Add(null);
                }
                else
                {
                    using (raw) trainLabels.Add(PrepareLabels(raw, view, cam, w, o));
                }
                progress?.Report(new SegmentProgress("weights", v + 1, views.Count, double.NaN));
            }
            var trainIdx = Enumerable.Range(0, views.Count).Where(i => trainLabels[i] is not null).ToArray();
            if (trainIdx.Length == 0) throw new InvalidOperationException($"none of the {views.Count} views has labels; nothing to train on.");

            int kNeighbors = Math.Max(o.SpatialKlNeighbors, o.Method == SegmentationMethod.CoSeg ? o.NeighborScales.Max() : 0);
            kNeighbors = (int)Math.Min(kNeighbors, Math.Max(1, n - 1));
            int[] knn = new NeighborGrid(geometry.Means).Query(kNeighbors, ct);
            using var knnT = tensor(knn.Select(i => (long)i).ToArray(), new long[] { n, kNeighbors }, ScalarType.Int64);

            int unseen = 0;
            ISegmentationField field;
            if (o.Method == SegmentationMethod.CoSeg)
            {
                var (inputs, global, unseenCount) = BuildInputs(scene, views, weights, extractor ?? new BuiltinFeatureExtractor(), knn, kNeighbors, o, progress, ct);
                unseen = unseenCount;
                field = new SharedDecoderField(inputs, global, K, o.HiddenWidth, o.DecoderLayers, o.Seed);
            }
            else field = new PerGaussianField(n, K, o.Seed);

            double lastLoss = Train(field, weights, trainLabels, trainIdx, knnT, o, progress, ct);

            Tensor logits;
            using (no_grad()) using (var l = field.Logits(null)) logits = l.detach().clone();
            field.Dispose();
            progress?.Report(new SegmentProgress("done", 1, 1, lastLoss));
            return new SegmentationResult(scene, logits, geometry, o, skipped, warnings, unseen, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var w in weights) w.Dispose();
            foreach (var l in trainLabels) l?.Dispose();
        }
    }

    /// <summary>Validates a raw label image and brings it to the training resolution (nearest), flattening to P int64.</summary>
    private static Tensor PrepareLabels(Tensor raw, SegmentationView view, Camera trainCam, ViewBlendWeights w, SegmentOptions o)
    {
        if (raw.ndim != 2 || raw.shape[0] != view.Camera.Height || raw.shape[1] != view.Camera.Width)
            throw new ArgumentException($"label image of view '{view.Name}' has shape [{string.Join(",", raw.shape)}], expected [{view.Camera.Height},{view.Camera.Width}] (the view's size).");
        using var scope = NewDisposeScope();
        var l = raw.to(ScalarType.Int64);
        if (view.ValidMask is { } valid)
        {
            if (valid.ndim != 2 || valid.shape[0] != view.Camera.Height || valid.shape[1] != view.Camera.Width)
                throw new ArgumentException($"valid mask of view '{view.Name}' has shape [{string.Join(",", valid.shape)}], expected [{view.Camera.Height},{view.Camera.Width}].");
            l = l.where(valid.to(l.device).ge(0.5), 0L);
        }
        if (l.numel() > 0 && l.min().item<long>() < 0)
            throw new ArgumentException($"label image of view '{view.Name}' has negative ids.");
        if (o.Mode == LabelMode.Semantic)
        {
            long max = l.max().item<long>();
            if (max >= o.Classes)
                throw new ArgumentException($"label image of view '{view.Name}' has id {max} ≥ the number of classes K = {o.Classes}.");
        }
        if (trainCam.Width != view.Camera.Width || trainCam.Height != view.Camera.Height)
            l = F.interpolate(l.to(ScalarType.Float32).unsqueeze(0).unsqueeze(0), new long[] { trainCam.Height, trainCam.Width }, mode: InterpolationMode.Nearest)
                .squeeze(0).squeeze(0).round().to(ScalarType.Int64);
        // Pixels the geometry barely covers cannot be explained by any Gaussian: do not train on them.
        l = l.where(w.Alpha.ge(o.MinPixelAlpha), 0L);
        return l.reshape(-1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Unprojected + spatial + positional + global inputs of the shared decoder, standardised per column.</summary>
    private static (Tensor Inputs, Tensor? Global, int Unseen) BuildInputs(GaussianScene scene, IReadOnlyList<SegmentationView> views, List<ViewBlendWeights> weights,
        IFeatureExtractor extractor, int[] knn, int kMax, SegmentOptions o, IProgress<SegmentProgress>? progress, CancellationToken ct)
    {
        var maps = new List<Tensor>();
        try
        {
            for (int v = 0; v < views.Count; v++)
            {
                ct.ThrowIfCancellationRequested();
                var img = views[v].Image ?? throw new ArgumentException($"view '{views[v].Name}' has no image; the feature extractor needs RGB images.");
                using var scope = NewDisposeScope();
                var x = img.to(ScalarType.Float32);
                if (x.ndim != 3 || x.shape[2] != 3 || x.shape[0] != views[v].Camera.Height || x.shape[1] != views[v].Camera.Width)
                    throw new ArgumentException($"image of view '{views[v].Name}' has shape [{string.Join(",", x.shape)}], expected [{views[v].Camera.Height},{views[v].Camera.Width},3].");
                if (x.shape[0] != weights[v].Height || x.shape[1] != weights[v].Width)
                    x = F.interpolate(x.permute(2, 0, 1).unsqueeze(0), new long[] { weights[v].Height, weights[v].Width }, mode: InterpolationMode.Bilinear, align_corners: false)
                        .squeeze(0).permute(1, 2, 0);
                maps.Add(extractor.Extract(x).MoveToOuterDisposeScope());
                progress?.Report(new SegmentProgress("features", v + 1, views.Count, double.NaN));
            }
            using var un = FeatureUnprojector.Unproject(weights, maps, scene.Count, ct);
            using var scope2 = NewDisposeScope();
            var seen = un.Weights.gt(0).to(ScalarType.Float32).unsqueeze(1);
            var f = Standardise(un.Features, seen);
            var means = scene.Means.detach().to(ScalarType.Float32);
            progress?.Report(new SegmentProgress("spatial", 0, 1, double.NaN));
            var spatial = SpatialEncoder.Encode(means, f, knn, kMax, o.NeighborScales.Select(k => Math.Min(k, kMax)).ToArray(), ct);
            var pos = SpatialEncoder.PositionEncoding(means, o.PositionFrequencies);
            var x2 = Standardise(cat(new[] { f, spatial, pos, seen }, 1), null);
            Tensor? global = null;
            if (o.GlobalDescriptor)
            {
                // Scene-level context: feature mean and spread over seen Gaussians (constant within one scene).
                var wsum = seen.sum().clamp_min(1);
                var gm = (un.Features * seen).sum(0L) / wsum;
                var gs = (((un.Features - gm) * seen).square().sum(0L) / wsum).sqrt();
                global = cat(new[] { gm, gs }).unsqueeze(0).MoveToOuterDisposeScope();
            }
            progress?.Report(new SegmentProgress("spatial", 1, 1, double.NaN));
            return (x2.contiguous().MoveToOuterDisposeScope(), global, un.UnseenCount);
        }
        finally { foreach (var m in maps) m.Dispose(); }
    }

    private static Tensor Standardise(Tensor x, Tensor? rowMask)
    {
        using var scope = NewDisposeScope();
        Tensor mean, std;
        if (rowMask is null) { mean = x.mean(new long[] { 0 }); std = x.std(0L, false); }
        else
        {
            var cnt = rowMask.sum().clamp_min(1);
            mean = (x * rowMask).sum(0L) / cnt;
            std = (((x - mean) * rowMask).square().sum(0L) / cnt).sqrt();
        }
        var y = (x - mean) / std.clamp_min(1e-6);
        if (rowMask is not null) y = y * rowMask;
        return y.MoveToOuterDisposeScope();
    }

    private static double Train(ISegmentationField field, List<ViewBlendWeights> weights, List<Tensor?> labels, int[] trainIdx, Tensor knn,
                                SegmentOptions o, IProgress<SegmentProgress>? progress, CancellationToken ct)
    {
        int K = o.Classes;
        bool coseg = field is SharedDecoderField;
        double lr = coseg ? o.LearningRate : o.PerGaussianLearningRate;
        using var opt = optim.Adam(field.TrainableParameters, lr);
        var rng = new Random(o.Seed);
        var gen = new torch.Generator((ulong)o.Seed + 1);
        var mapped = new Tensor?[weights.Count];
        var lastAssoc = new int[weights.Count];
        long n = knn.shape[0];
        int kKl = (int)Math.Min(o.SpatialKlNeighbors, knn.shape[1]);
        double last = double.NaN;
        int warmup = 0;
        try
        {
            if (o.Mode == LabelMode.Instance && o.InstanceInit == InstanceInitialization.Consensus)
            {
                // An untrained (shared) field predicts nearly the same identity everywhere; matching against it would fix
                // arbitrary, view-inconsistent associations. Start from the geometric consensus instead.
                progress?.Report(new SegmentProgress("associate", 0, 1, double.NaN));
                var init = InstanceAssociation.Consensus(weights, labels, K, o.ConsensusPasses, ct);
                for (int v = 0; v < init.Length; v++)
                {
                    mapped[v] = init[v];
                    if (init[v] is not null) o.AssociationObserver?.Invoke(-1, v, init[v]!);
                }
                warmup = (int)Math.Round(o.AssociationWarmup * o.Iterations);
                progress?.Report(new SegmentProgress("associate", 1, 1, double.NaN));
            }
            for (int it = 0; it < o.Iterations; it++)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int v = trainIdx[rng.Next(trainIdx.Length)];
                var w = weights[v];
                var logits = w.RenderVisible(field.Logits(w.Visible)).reshape(-1, K);
                Tensor target = labels[v]!;
                if (o.Mode == LabelMode.Instance)
                {
                    if (mapped[v] is null || (it >= warmup && it - lastAssoc[v] >= o.AssociationInterval))
                    {
                        var pred = logits.detach()[TensorIndex.Colon, 1..].argmax(1) + 1;
                        mapped[v]?.Dispose();
                        mapped[v] = InstanceAssociation.Associate(target, pred, K).MoveToOuterDisposeScope();
                        lastAssoc[v] = it;
                        o.AssociationObserver?.Invoke(it, v, mapped[v]!);
                    }
                    target = mapped[v]!;
                }
                Tensor loss = CoSegLoss.Pixel(logits, target, coseg ? o.PixelLoss : PixelLossKind.CrossEntropy, o.ReverseCeWeight, o.GceQ) * o.PixelWeight;
                if (coseg && o.SpatialKlWeight > 0)
                {
                    long s = Math.Min(o.SpatialKlSamples, n);
                    var sample = randint(0, n, new long[] { s }, generator: gen, dtype: ScalarType.Int64);
                    var nb = knn.index_select(0, sample)[TensorIndex.Colon, TensorIndex.Slice(0, kKl)].reshape(-1);
                    var both = field.Logits(cat(new[] { sample, nb }));
                    var centre = both[TensorIndex.Slice(0, s)];
                    var neigh = both[TensorIndex.Slice(s, null)].reshape(s, kKl, K);
                    loss = loss + o.SpatialKlWeight * CoSegLoss.NeighborKl(centre, neigh);
                }
                opt.zero_grad();
                loss.backward();
                opt.step();
                if (it % 25 == 0 || it == o.Iterations - 1)
                {
                    last = loss.item<float>();
                    progress?.Report(new SegmentProgress("train", it + 1, o.Iterations, last));
                }
            }
        }
        finally { foreach (var m in mapped) m?.Dispose(); }
        return last;
    }
}
