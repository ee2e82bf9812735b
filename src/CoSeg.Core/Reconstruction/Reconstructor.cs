using System.Diagnostics;
using CoSeg.Evaluation;
using CoSeg.Gaussians;
using CoSeg.Rendering;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// 3D Gaussian Splatting training with the reference (Inria) recipe: initialisation from sparse points or random points,
/// Adam with per-parameter learning rates and a decaying position rate, L = (1−λ)·L1 + λ·(1−SSIM), SH degree raised
/// periodically, adaptive densification (clone / split / prune) and periodic opacity resets.
/// </summary>
public static partial class Reconstructor
{
    /// <summary>
    /// Builds the initial scene for <paramref name="data"/>: its sparse points when present, otherwise
    /// <see cref="ReconstructOptions.InitPoints"/> random points in a cube: ±<see cref="ReconstructOptions.RandomInitHalfSide"/>
    /// at the origin when set, else side 2.6 at the origin for NeRF-synthetic data, the format's content cube when it has
    /// one (<see cref="TrainingData.ContentCube"/>: instant-ngp), else ±0.3·camera radius around the camera centroid.
    /// </summary>
    public static GaussianScene Initialize(TrainingData data, ReconstructOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (data.Points is { } pts && pts.shape[0] > 0)
            return GaussianInitializer.FromPoints(pts, data.PointColors, options.ShDegree, options.InitialOpacity);
        var (center, extent) = SceneExtent.FromCameras(data.Views.Select(v => v.Camera).ToList());
        (double, double, double) c; double half;
        if (options.RandomInitHalfSide is { } hs) (c, half) = ((0, 0, 0), hs);
        else if (data.IsNerfSynthetic) (c, half) = ((0, 0, 0), 1.3);
        // The format's own content cube (instant-ngp): the camera centroid of an inward-facing rig lies far from the
        // content (above it for a hemisphere of cameras), so a cube around it would miss the object.
        else if (data.ContentCube is { } cube) (c, half) = ((cube.CenterX, cube.CenterY, cube.CenterZ), cube.HalfSide);
        else (c, half) = (center, 0.3 * extent / 1.1);
        return GaussianInitializer.RandomInCube(options.InitPoints, c, half, options.ShDegree, options.Seed, options.InitialOpacity);
    }

    /// <summary>
    /// Trains a scene on <paramref name="data"/> from the default initialisation (<see cref="Initialize"/>).
    /// Runs on a worker thread; cancellation is checked every iteration.
    /// </summary>
    public static Task<GaussianScene> TrainAsync(TrainingData data, ReconstructOptions options,
                                                 IProgress<ReconstructProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Task.Run(() =>
        {
            var scene = Initialize(data, options);
            try { return Train(scene, data, options, progress, ct); }
            finally { scene.Dispose(); }
        }, ct);
    }

    /// <summary>
    /// Trains starting from <paramref name="initial"/> (not modified) and returns a new, detached scene. Synchronous;
    /// throws <see cref="OperationCanceledException"/> within one iteration of cancellation and
    /// <see cref="ReconstructionDivergedException"/> on a non-finite loss.
    /// </summary>
    public static GaussianScene Train(GaussianScene initial, TrainingData data, ReconstructOptions options,
                                      IProgress<ReconstructProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (data.Views.Count == 0) throw new ArgumentException("The training data has no views.", nameof(data));
        if (data.Background is not { Length: 3 }) throw new ArgumentException("TrainingData.Background must have 3 values.", nameof(data));
        if (initial.ShDegree < options.ShDegree)
            throw new ArgumentException($"The initial scene has SH degree {initial.ShDegree} but options ask for {options.ShDegree}.", nameof(initial));
        using var session = new TrainingSession(initial, data, options);
        return session.Run(progress, ct);
    }

    /// <summary>All state of one training run; disposes every tensor it made.</summary>
    private sealed class TrainingSession : IDisposable
    {
        private readonly TrainingData _data;
        private readonly ReconstructOptions _o;
        private readonly GaussianScene _scene;
        private readonly GaussianAdam _adam;
        private readonly DensificationStats _stats;
        private readonly (Tensor Rgb, Tensor? Alpha)?[] _cache;
        private readonly Tensor?[] _valid;
        private readonly double _extent;
        private readonly PositionLearningRate _posLr;
        private readonly Random _rng;
        private readonly Generator _gen;
        private readonly List<int> _order = new();

        public TrainingSession(GaussianScene initial, TrainingData data, ReconstructOptions o)
        {
            _data = data; _o = o;
            torch.random.manual_seed(o.Seed);
            _rng = new Random(o.Seed);
            _gen = new Generator((ulong)o.Seed);
            _extent = SceneExtent.FromCameras(data.Views.Select(v => v.Camera).ToList()).Extent;
            _posLr = new PositionLearningRate(o.PositionLrInit * _extent, o.PositionLrFinal * _extent, o.PositionLrMaxSteps ?? o.Iterations);
            using (no_grad())
            {
                // Work on a copy whose SH tensor holds the target degree (extra coefficients start at zero).
                int k = (o.ShDegree + 1) * (o.ShDegree + 1);
                using var scope = NewDisposeScope();
                var sh = initial.ShCoefficients.detach()[.., ..k, ..].clone();
                _scene = new GaussianScene(
                    initial.Means.detach().to_type(ScalarType.Float32).clone().requires_grad_(true).DetachFromDisposeScope(),
                    initial.LogScales.detach().to_type(ScalarType.Float32).clone().requires_grad_(true).DetachFromDisposeScope(),
                    initial.Rotations.detach().to_type(ScalarType.Float32).clone().requires_grad_(true).DetachFromDisposeScope(),
                    initial.OpacityLogits.detach().to_type(ScalarType.Float32).clone().requires_grad_(true).DetachFromDisposeScope(),
                    sh.to_type(ScalarType.Float32).contiguous().requires_grad_(true).DetachFromDisposeScope());
            }
            _adam = new GaussianAdam(_scene, _posLr.At(0), o.ScalingLr, o.RotationLr, o.OpacityLr, o.FeatureLr, o.FeatureRestDivisor, o.AdamEpsilon);
            _stats = new DensificationStats(_scene.Count);
            _cache = new (Tensor, Tensor?)?[data.Views.Count];
            _valid = new Tensor?[data.Views.Count];
        }

        public GaussianScene Run(IProgress<ReconstructProgress>? progress, CancellationToken ct)
        {
            var o = _o;
            int total = o.Iterations;
            int shInterval = o.Scaled(o.ShIncreaseInterval), densFrom = o.Scaled(o.DensifyFrom), densUntil = o.Scaled(o.DensifyUntil);
            int densEvery = o.Scaled(o.DensifyInterval), resetEvery = o.Scaled(o.OpacityResetInterval);
            bool whiteBg = _data.Background.All(b => b == 1f);
            int activeSh = 0;
            double emaLoss = double.NaN, emaPsnr = double.NaN;
            var clock = Stopwatch.StartNew();
            // Decode every training image up front, in parallel (decoding dominates the first epoch otherwise).
            try
            {
                Parallel.For(0, _data.Views.Count, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount },
                             i => Image(i));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }

            for (int it = 1; it <= total; it++)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                _adam[GaussianAdam.Means] = _posLr.At(it);
                if (it % shInterval == 0 && activeSh < o.ShDegree) activeSh++;

                int vi = NextView();
                var view = _data.Views[vi];
                var (gtRgb, gtAlpha) = Image(vi);
                float[] bg = _data.Background;
                var target = gtRgb;
                if (o.RandomBackground)
                {
                    bg = [(float)_rng.NextDouble(), (float)_rng.NextDouble(), (float)_rng.NextDouble()];
                    if (gtAlpha is not null)
                    {
                        // Re-composite the target: rgb was fg·a + old·(1−a); swap the background term.
                        var delta = tensor(bg) - tensor(_data.Background);
                        target = gtRgb + (1 - gtAlpha).unsqueeze(-1) * delta;
                    }
                }

                RenderResult render;
                try
                {
                    render = Rasterizer.Render(_scene, view.Camera, new RenderOptions
                    {
                        Backend = o.Backend,
                        ActiveShDegree = activeSh,
                        Settings = new RasterSettings { Background = bg },
                    });
                }
                catch (ArgumentException e) when (e.Message.Contains("NaN", StringComparison.Ordinal))
                {
                    throw new ReconstructionDivergedException(it, "a scene parameter became NaN or infinite.", e);
                }
                using var _ = render;
                var image = render.Image;
                if (!image.shape.SequenceEqual(target.shape))
                    throw new InvalidOperationException($"View {vi} ({view.Camera.Name}): rendered image [{string.Join(",", image.shape)}] does not match the loaded image [{string.Join(",", target.shape)}]; check the camera size.");
                if (_valid[vi] is { } valid)
                {
                    // Excluded pixels (lens border, mask files) take the render's own value: zero L1 gradient there.
                    var v3 = valid.unsqueeze(-1);
                    target = target * v3 + image.detach() * (1 - v3);
                }
                var l1 = MeanAbsoluteError.Loss(image, target);
                var ssim = Ssim.Loss(image, target);
                var loss = (1 - o.SsimWeight) * l1 + o.SsimWeight * (1 - ssim);
                double lossValue = loss.item<float>();
                if (!double.IsFinite(lossValue))
                    throw new ReconstructionDivergedException(it, $"the loss is {lossValue} (view {vi}).");
                loss.backward();

                double mse;
                using (no_grad()) mse = (image.detach() - target).square().mean().item<float>();
                double psnr = Psnr.FromMse(Math.Max(mse, 1e-12));
                emaLoss = double.IsNaN(emaLoss) ? lossValue : 0.4 * lossValue + 0.6 * emaLoss;
                emaPsnr = double.IsNaN(emaPsnr) ? psnr : 0.4 * psnr + 0.6 * emaPsnr;

                bool densifyPhase = it < densUntil && it < total;
                if (densifyPhase)
                {
                    var g2d = render.Means2d.grad;
                    if (g2d is not null) _stats.Add(g2d, render.Radii, view.Camera.Width, view.Camera.Height);
                }
                _adam.Step(_scene, (activeSh + 1) * (activeSh + 1));

                if (densifyPhase)
                {
                    if (it > densFrom && it % densEvery == 0)
                    {
                        bool afterReset = it > resetEvery;
                        Densifier.DensifyAndPrune(_scene, _adam, _stats, new Densifier.Settings(
                            o.DensifyGradThreshold, o.PercentDense, _extent, o.SplitCount, o.MinOpacity,
                            afterReset ? o.PruneWorldSizeFraction * _extent : null,
                            afterReset ? o.PruneScreenSizePixels : null), _gen);
                    }
                    bool roomToRecover = total - it >= (o.MinIterationsAfterOpacityReset == 0 ? 0 : o.Scaled(o.MinIterationsAfterOpacityReset));
                    if (roomToRecover && (it % resetEvery == 0 || (whiteBg && it == densFrom)))
                        Densifier.ResetOpacity(_scene, _adam);
                }

                double secs = clock.Elapsed.TotalSeconds;
                progress?.Report(new ReconstructProgress(it, total, lossValue, emaLoss, emaPsnr, _scene.Count, activeSh,
                                                         secs > 0 ? it / secs : 0, clock.Elapsed));
            }

            using (no_grad())
            using (var check = NewDisposeScope())
            {
                foreach (var (t, name) in GaussianAdam.Parameters(_scene).Zip(new[] { "means", "log-scales", "rotations", "opacities", "SH" }))
                    if (!isfinite(t).all().item<bool>())
                        throw new ReconstructionDivergedException(total, $"the final {name} contain NaN or infinite values.");
            }
            return _scene.Clone();
        }

        private int NextView()
        {
            // As the reference: walk a shuffled copy of the views, refilled when exhausted.
            if (_order.Count == 0) _order.AddRange(Enumerable.Range(0, _data.Views.Count));
            int j = _rng.Next(_order.Count);
            int v = _order[j];
            _order.RemoveAt(j);
            return v;
        }

        private (Tensor Rgb, Tensor? Alpha) Image(int i)
        {
            if (_cache[i] is { } c) return c;
            using var scope = NewDisposeScope();
            var (rgb, alpha) = _data.Views[i].Load();
            try
            {
                var cam = _data.Views[i].Camera;
                if (rgb.ndim != 3 || rgb.shape[0] != cam.Height || rgb.shape[1] != cam.Width || rgb.shape[2] != 3)
                    throw new InvalidDataException($"Training view {i} ({cam.Name}): image is [{string.Join(",", rgb.shape)}], expected [{cam.Height},{cam.Width},3].");
                var entry = (rgb.detach().to_type(ScalarType.Float32).cpu().contiguous().clone().DetachFromDisposeScope(),
                             alpha?.detach().to_type(ScalarType.Float32).cpu().contiguous().clone().DetachFromDisposeScope());
                Tensor? valid = null;
                if (_data.Views[i].LoadValidMask is { } lv && lv() is { } m)
                {
                    using (m)
                    {
                        if (m.ndim != 2 || m.shape[0] != cam.Height || m.shape[1] != cam.Width)
                            throw new InvalidDataException($"Training view {i} ({cam.Name}): valid mask is [{string.Join(",", m.shape)}], expected [{cam.Height},{cam.Width}].");
                        valid = m.detach().to_type(ScalarType.Float32).cpu().contiguous().clone().DetachFromDisposeScope();
                    }
                }
                lock (_cache) { _cache[i] = entry; _valid[i] = valid; }
                return entry;
            }
            finally
            {
                // The loader's tensors are ours (TrainingView contract); we keep our own contiguous float32 copies.
                rgb.Dispose(); alpha?.Dispose();
            }
        }

        public void Dispose()
        {
            _scene.Dispose(); _adam.Dispose(); _stats.Dispose(); _gen.Dispose();
            foreach (var c in _cache)
                if (c is { } e) { e.Rgb.Dispose(); e.Alpha?.Dispose(); }
            foreach (var v in _valid) v?.Dispose();
        }
    }
}
