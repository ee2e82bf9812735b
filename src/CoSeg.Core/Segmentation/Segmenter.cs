using System.Diagnostics;
using CoSeg.Common;
using CoSeg.Data;
using CoSeg.Features;
using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Rendering;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Segmentation;

/// <summary>
/// Segments a frozen Gaussian scene from raw 2D labels and returns per-Gaussian identities: trains a segmentation
/// field (CoSeg, per-Gaussian) or votes (<see cref="SegmentationMethod.Vote"/>). Everything streams view by view
/// through the rasterizer backend (<see cref="SegmentOptions.Backend"/>): each step renders the K logit channels of one
/// view and back-propagates to the channels only, so memory is O(scene + one view) plus the compact per-view labels.
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
        var timings = new SegmentationTimings();
        int K = o.Classes;
        long n = scene.Count;
        var geometry = new FrozenGeometry(scene, o.Backend, o.Raster);
        bool handedOver = false;
        var cams = new ProjectionParams[views.Count];
        var trainLabels = new Tensor?[views.Count];   // packed, training resolution, P each
        int skipped = 0;
        var warnings = new List<string>();
        try
        {
            var sw = Stopwatch.StartNew();
            for (int v = 0; v < views.Count; v++)
            {
                ct.ThrowIfCancellationRequested();
                var view = views[v] ?? throw new ArgumentException($"views[{v}] is null.", nameof(views));
                var cam = TrainingCamera(view.Camera, o.MaxImageSide);
                cams[v] = geometry.View(cam);
                var raw = labelSource.GetLabels(view);
                if (raw is null)
                {
                    skipped++;
                    warnings.Add($"view '{view.Name}' has no labels; skipped.");
                }
                else
                {
                    using (raw) trainLabels[v] = PrepareLabels(raw, view, cam, geometry, cams[v], o);
                }
                progress?.Report(new SegmentProgress("labels", v + 1, views.Count, double.NaN));
            }
            var trainIdx = Enumerable.Range(0, views.Count).Where(i => trainLabels[i] is not null).ToArray();
            if (trainIdx.Length == 0) throw new InvalidOperationException($"none of the {views.Count} views has labels; nothing to train on.");
            timings.LabelsSeconds = sw.Elapsed.TotalSeconds;
            timings.SampleManaged();

            sw.Restart();
            int kNeighbors = Math.Max(o.SpatialKlNeighbors, o.Method == SegmentationMethod.CoSeg ? o.NeighborScales.Max() : 0);
            if (o.Method == SegmentationMethod.PerGaussian && o.PerGaussianRecipe == PerGaussianRecipe.GaussianGrouping)
                kNeighbors = Math.Max(kNeighbors, o.GaussianGrouping.RegularizerNeighbors);
            kNeighbors = (int)Math.Min(kNeighbors, Math.Max(1, n - 1));
            int[] knn = new NeighborGrid(geometry.Means.data<float>().ToArray()).Query(kNeighbors, ct);
            timings.KnnSeconds = sw.Elapsed.TotalSeconds;

            int unseen = 0;
            Tensor logits;
            float[]? confidences = null;
            double lastLoss = double.NaN;
            if (o.Method == SegmentationMethod.Vote)
            {
                var voteLabels = trainLabels;
                Tensor?[]? mapped = null;
                try
                {
                    if (o.Mode == LabelMode.Instance)
                    {
                        sw.Restart();
                        progress?.Report(new SegmentProgress("associate", 0, 1, double.NaN));
                        mapped = InstanceAssociation.Consensus(geometry, cams, trainLabels, K, o.ConsensusPasses, ct);
                        for (int v = 0; v < mapped.Length; v++)
                            if (mapped[v] is { } m) using (var m64 = LabelPacking.Unpack(m)) o.AssociationObserver?.Invoke(-1, v, m64);
                        voteLabels = mapped;
                        timings.AssociationSeconds = sw.Elapsed.TotalSeconds;
                    }
                    sw.Restart();
                    using var votes = LabelVoting.Histogram(geometry, cams, voteLabels, K, progress, ct);
                    (logits, confidences, unseen) = LabelVoting.Decide(votes, knn, Math.Min(o.SpatialKlNeighbors, kNeighbors));
                    timings.VotingSeconds = sw.Elapsed.TotalSeconds;
                }
                finally { if (mapped is not null) foreach (var m in mapped) m?.Dispose(); }
            }
            else
            {
                ISegmentationField field;
                Tensor?[]? agreement = null;
                try
                {
                    if (o.Method == SegmentationMethod.CoSeg)
                    {
                        Tensor? voteShares = null;
                        if (o.Mode == LabelMode.Semantic && (o.VoteInput || o.AgreementWeightPower > 0))
                        {
                            // The views' αT-weighted consensus: a decoder input and/or the reference each view's segments are weighed against.
                            sw.Restart();
                            using var votes = LabelVoting.Histogram(geometry, cams, trainLabels, K, progress, ct);
                            if (o.VoteInput)
                                using (no_grad()) voteShares = votes / votes.sum(1, keepdim: true).clamp_min(1e-30);
                            if (o.AgreementWeightPower > 0)
                            {
                                var (decided, _, _) = LabelVoting.Decide(votes, knn, Math.Min(o.SpatialKlNeighbors, kNeighbors));
                                using (decided) agreement = SegmentAgreement.Compute(geometry, cams, trainLabels, decided, K, ct);
                                foreach (var a in agreement) a?.pow_(o.AgreementWeightPower);
                            }
                            timings.VotingSeconds = sw.Elapsed.TotalSeconds;
                        }
                        using (voteShares)
                        {
                            var (inputs, global, unseenCount) = BuildInputs(scene, views, cams, geometry, extractor ?? new BuiltinFeatureExtractor(), knn, kNeighbors, voteShares, o, timings, progress, ct);
                            unseen = unseenCount;
                            field = new SharedDecoderField(inputs, global, K, o.HiddenWidth, o.DecoderLayers, o.Seed);
                        }
                    }
                    else if (o.PerGaussianRecipe == PerGaussianRecipe.GaussianGrouping)
                        field = new IdentityEncodingField(n, o.GaussianGrouping.IdentityDimensions, K, o.Seed);
                    else field = new PerGaussianField(n, K, o.Seed);
                    timings.SampleManaged();

                    sw.Restart();
                    using var knnT = tensor(knn.Select(i => (long)i).ToArray(), new long[] { n, kNeighbors }, ScalarType.Int64);
                    lastLoss = Train(field, geometry, cams, trainLabels, trainIdx, knnT, agreement, o, timings, progress, ct);
                }
                finally { if (agreement is not null) foreach (var a in agreement) a?.Dispose(); }
                timings.TrainingSeconds = sw.Elapsed.TotalSeconds - timings.AssociationSeconds;
                using (no_grad()) using (var l = field.Logits(null)) logits = l.detach().clone();
                field.Dispose();
            }
            progress?.Report(new SegmentProgress("done", 1, 1, lastLoss));
            timings.TotalSeconds = clock.Elapsed.TotalSeconds;
            timings.SampleManaged();
            timings.PeakResidentBytes = Common.ProcessMemory.PeakResidentBytes();
            var result = new SegmentationResult(scene, logits, geometry, o, skipped, warnings, unseen, timings, confidences);
            handedOver = true;
            return result;
        }
        finally
        {
            foreach (var l in trainLabels) l?.Dispose();
            if (!handedOver) geometry.Dispose();
        }
    }

    /// <summary>
    /// Validates a raw label image and brings it to the training resolution (nearest); pixels the geometry covers with
    /// alpha below <see cref="SegmentOptions.MinPixelAlpha"/> become 0 (ignored). Returns P ids, packed.
    /// </summary>
    private static Tensor PrepareLabels(Tensor raw, SegmentationView view, Camera trainCam, FrozenGeometry geometry, ProjectionParams trainView, SegmentOptions o)
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
        if (o.Mode == LabelMode.Semantic && l.numel() > 0)
        {
            long max = l.max().item<long>();
            if (max >= o.Classes)
                throw new ArgumentException($"label image of view '{view.Name}' has id {max} ≥ the number of classes K = {o.Classes}.");
        }
        if (trainCam.Width != view.Camera.Width || trainCam.Height != view.Camera.Height)
            l = F.interpolate(l.to(ScalarType.Float32).unsqueeze(0).unsqueeze(0), new long[] { trainCam.Height, trainCam.Width }, mode: InterpolationMode.Nearest)
                .squeeze(0).squeeze(0).round().to(ScalarType.Int64);
        // Pixels the geometry barely covers cannot be explained by any Gaussian: do not train on them.
        var alpha = geometry.Alpha(trainView);
        l = l.where(alpha.ge(o.MinPixelAlpha), 0L);
        return LabelPacking.Pack(l.reshape(-1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Unprojected + spatial + positional + global inputs of the shared decoder, standardised per column. Streams: one
    /// view's image and feature map at a time is extracted, lifted through the backend and released.
    /// </summary>
    private static (Tensor Inputs, Tensor? Global, int Unseen) BuildInputs(GaussianScene scene, IReadOnlyList<SegmentationView> views, ProjectionParams[] cams,
        FrozenGeometry geometry, IFeatureExtractor extractor, int[] knn, int kMax, Tensor? voteShares, SegmentOptions o, SegmentationTimings timings,
        IProgress<SegmentProgress>? progress, CancellationToken ct)
    {
        var acc = new FeatureUnprojector.Accumulator(scene.Count);
        var swF = new Stopwatch(); var swU = new Stopwatch();
        for (int v = 0; v < views.Count; v++)
        {
            ct.ThrowIfCancellationRequested();
            var img = views[v].Image ?? throw new ArgumentException($"view '{views[v].Name}' has no image; the feature extractor needs RGB images.");
            using var scope = NewDisposeScope();
            swF.Start();
            var x = img.to(ScalarType.Float32);
            if (x.ndim != 3 || x.shape[2] != 3 || x.shape[0] != views[v].Camera.Height || x.shape[1] != views[v].Camera.Width)
                throw new ArgumentException($"image of view '{views[v].Name}' has shape [{string.Join(",", x.shape)}], expected [{views[v].Camera.Height},{views[v].Camera.Width},3].");
            if (x.shape[0] != cams[v].Height || x.shape[1] != cams[v].Width)
                x = F.interpolate(x.permute(2, 0, 1).unsqueeze(0), new long[] { cams[v].Height, cams[v].Width }, mode: InterpolationMode.Bilinear, align_corners: false)
                    .squeeze(0).permute(1, 2, 0);
            var map = extractor.Extract(x);
            swF.Stop();
            swU.Start();
            var px = FeatureUnprojector.ToPixelFeatures(map, cams[v].Height, cams[v].Width, $"features of view '{views[v].Name}'");
            var view = cams[v];
            acc.Add(px, (f, fs, ws) => geometry.Unproject(view, f, fs, ws));
            swU.Stop();
            progress?.Report(new SegmentProgress("features", v + 1, views.Count, double.NaN));
        }
        timings.FeaturesSeconds = swF.Elapsed.TotalSeconds;
        timings.UnprojectionSeconds = swU.Elapsed.TotalSeconds;
        var sw = Stopwatch.StartNew();
        using var un = acc.Finish();
        using var scope2 = NewDisposeScope();
        var seen = un.Weights.gt(0).to(ScalarType.Float32).unsqueeze(1);
        var feats = Standardise(voteShares is null ? un.Features : cat(new[] { un.Features, voteShares }, 1), seen);
        var means = scene.Means.detach().to(ScalarType.Float32);
        progress?.Report(new SegmentProgress("spatial", 0, 1, double.NaN));
        var spatial = SpatialEncoder.Encode(means, feats, knn, kMax, o.NeighborScales.Select(k => Math.Min(k, kMax)).ToArray(), ct);
        var pos = SpatialEncoder.PositionEncoding(means, o.PositionFrequencies);
        var x2 = Standardise(cat(new[] { feats, spatial, pos, seen }, 1), null);
        Tensor? global = null;
        if (o.GlobalDescriptor)
        {
            // Scene-level context: feature mean and spread over seen Gaussians (constant within one scene).
            var wsum = seen.sum().clamp_min(1);
            var gm = (un.Features * seen).sum(0L) / wsum;
            var gs = (((un.Features - gm) * seen).square().sum(0L) / wsum).sqrt();
            global = cat(new[] { gm, gs }).unsqueeze(0).MoveToOuterDisposeScope();
        }
        timings.KnnSeconds += sw.Elapsed.TotalSeconds;   // the spatial encoder aggregates over the k-NN
        progress?.Report(new SegmentProgress("spatial", 1, 1, double.NaN));
        return (x2.contiguous().MoveToOuterDisposeScope(), global, un.UnseenCount);
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

    private static double Train(ISegmentationField field, FrozenGeometry geometry, ProjectionParams[] cams, Tensor?[] labels, int[] trainIdx, Tensor knn,
                                Tensor?[]? agreement, SegmentOptions o, SegmentationTimings timings, IProgress<SegmentProgress>? progress, CancellationToken ct)
    {
        int K = o.Classes;
        bool coseg = field is SharedDecoderField;
        var gg = field as IdentityEncodingField;
        var ggo = o.GaussianGrouping;
        // Gaussian Grouping: its own learning rates for the encodings and the classifier (Adam, eps 1e-15 as its code).
        var optimizers = gg is not null
            ? new[] { optim.Adam(new[] { gg.Encodings }, ggo.EncodingLearningRate, eps: 1e-15), optim.Adam(gg.ClassifierParameters, ggo.ClassifierLearningRate) }
            : new[] { optim.Adam(field.TrainableParameters, coseg ? o.LearningRate : o.PerGaussianLearningRate) };
        var rng = new Random(o.Seed);
        var gen = new torch.Generator((ulong)o.Seed + 1);
        var mapped = new Tensor?[cams.Length];   // instance mode: packed channel labels per view
        var visibleCache = new Tensor?[cams.Length];   // int32 visible sets, within o.CacheBytes
        long cached = 0;
        var lastAssoc = new int[cams.Length];
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
                var sw = Stopwatch.StartNew();
                progress?.Report(new SegmentProgress("associate", 0, 1, double.NaN));
                var init = InstanceAssociation.Consensus(geometry, cams, labels, K, o.ConsensusPasses, ct);
                for (int v = 0; v < init.Length; v++)
                {
                    mapped[v] = init[v];
                    if (init[v] is { } m) using (var m64 = LabelPacking.Unpack(m)) o.AssociationObserver?.Invoke(-1, v, m64);
                }
                warmup = (int)Math.Round(o.AssociationWarmup * o.Iterations);
                timings.AssociationSeconds = sw.Elapsed.TotalSeconds;
                progress?.Report(new SegmentProgress("associate", 1, 1, double.NaN));
            }
            var backwardClock = new Stopwatch();
            long lap = Stopwatch.GetTimestamp();
            void Lap(string part)
            {
                long now = Stopwatch.GetTimestamp();
                timings.AddTrainingPart(part, (now - lap) / (double)Stopwatch.Frequency);
                lap = now;
            }
            for (int it = 0; it < o.Iterations; it++)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                lap = Stopwatch.GetTimestamp();
                int v = trainIdx[rng.Next(trainIdx.Length)];
                var view = cams[v];
                Tensor channels;
                if (coseg)
                {
                    // The decoder runs only on the Gaussians this view blends; the rest render as zero and get no gradient.
                    Tensor visible;
                    if (visibleCache[v] is { } c) visible = c.to(ScalarType.Int64);
                    else
                    {
                        visible = geometry.Visible(view);
                        if (cached + visible.shape[0] * 4 <= o.CacheBytes)
                        {
                            visibleCache[v] = visible.to(ScalarType.Int32).MoveToOuterDisposeScope();
                            cached += visible.shape[0] * 4;
                        }
                    }
                    Lap("visible_set");
                    channels = zeros(n, K).index_copy(0, visible, field.Logits(visible));
                }
                else channels = field.Logits(null);
                Lap("decoder_forward");
                var (image, _) = geometry.Render(channels, view, backwardClock);
                var logits = image.reshape(-1, K);
                Lap("render_forward");
                Tensor target = LabelPacking.Unpack(labels[v]!);
                if (o.Mode == LabelMode.Instance)
                {
                    if (mapped[v] is null || (it >= warmup && it - lastAssoc[v] >= o.AssociationInterval))
                    {
                        var pred = logits.detach()[TensorIndex.Colon, 1..].argmax(1) + 1;
                        var m64 = InstanceAssociation.Associate(target, pred, K);
                        mapped[v]?.Dispose();
                        mapped[v] = LabelPacking.Pack(m64).MoveToOuterDisposeScope();
                        lastAssoc[v] = it;
                        o.AssociationObserver?.Invoke(it, v, m64);
                    }
                    target = LabelPacking.Unpack(mapped[v]!);
                }
                Tensor loss;
                if (gg is not null)
                {
                    // Gaussian Grouping: CE / ln K, plus every few steps λ · KL(p_i ‖ p_j) / K over k-NN of sampled Gaussians.
                    loss = CoSegLoss.Pixel(logits, target, PixelLossKind.CrossEntropy) / Math.Log(K);
                    if (ggo.RegularizerWeight > 0 && (it + 1) % ggo.RegularizerInterval == 0)
                        loss = loss + ggo.RegularizerWeight / K * NeighborKl(field, knn, ggo.RegularizerSamples, ggo.RegularizerNeighbors, K, gen);
                }
                else
                {
                    var w = agreement?[v] is { } a ? a.index_select(0, target) : null;
                    loss = CoSegLoss.Pixel(logits, target, coseg ? o.PixelLoss : PixelLossKind.CrossEntropy, o.ReverseCeWeight, o.GceQ, w) * o.PixelWeight;
                }
                Lap("pixel_loss");
                if (coseg && o.SpatialKlWeight > 0)
                {
                    loss = loss + o.SpatialKlWeight * NeighborKl(field, knn, o.SpatialKlSamples, kKl, K, gen);
                }
                Lap("neighbor_kl_forward");
                foreach (var opt in optimizers) opt.zero_grad();
                double channelBackward = backwardClock.Elapsed.TotalSeconds;
                loss.backward();
                channelBackward = backwardClock.Elapsed.TotalSeconds - channelBackward;
                timings.AddTrainingPart("render_backward_channels", channelBackward);
                lap += (long)(channelBackward * Stopwatch.Frequency);
                Lap("autograd_backward");
                foreach (var opt in optimizers) opt.step();
                Lap("optimizer");
                if (it % 25 == 0 || it == o.Iterations - 1)
                {
                    last = loss.item<float>();
                    progress?.Report(new SegmentProgress("train", it + 1, o.Iterations, last));
                }
            }
        }
        finally
        {
            foreach (var m in mapped) m?.Dispose();
            foreach (var opt in optimizers) opt.Dispose();
            foreach (var c in visibleCache) c?.Dispose();
        }
        return last;
    }

    /// <summary>The 3D term: mean KL between <paramref name="samples"/> random Gaussians and their first <paramref name="k"/> neighbours.</summary>
    private static Tensor NeighborKl(ISegmentationField field, Tensor knn, int samples, int k, int classes, torch.Generator gen)
    {
        long n = knn.shape[0];
        long s = Math.Min(samples, n);
        k = (int)Math.Min(k, knn.shape[1]);
        var sample = randint(0, n, new long[] { s }, generator: gen, dtype: ScalarType.Int64);
        var nb = knn.index_select(0, sample)[TensorIndex.Colon, TensorIndex.Slice(0, k)].reshape(-1);
        var both = field.Logits(cat(new[] { sample, nb }));
        var centre = both[TensorIndex.Slice(0, s)];
        var neigh = both[TensorIndex.Slice(s, null)].reshape(s, k, classes);
        return CoSegLoss.NeighborKl(centre, neigh);
    }
}
