using System.Diagnostics;
using CoSeg.Common;
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
        int count = options.Strategy?.MaxGaussians is { } budget ? (int)Math.Min(options.InitPoints, budget) : options.InitPoints;
        RequireTrainingMemory(count, options.ShDegree, data, "ReconstructOptions.InitPoints");
        return GaussianInitializer.RandomInCube(count, c, half, options.ShDegree, options.Seed, options.InitialOpacity);
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
        RequireTrainingMemory(initial.Count, options.ShDegree, data, "the initial scene");
        try
        {
            using var session = new TrainingSession(initial, data, options);
            return session.Run(progress, ct);
        }
        catch (Exception e) when (MemoryBudget.Translate(e, $"Training {initial.Count} Gaussians") is { } oom) { throw oom; }
    }

    /// <summary>
    /// Refuses a training run whose state cannot fit before it starts: per-Gaussian parameters, gradients, Adam moments
    /// and statistics (<see cref="MemoryBudget.TrainingBytesPerGaussian"/>), the cached training images (RGB + alpha,
    /// float32) and one rasterizer forward + backward at the largest view size.
    /// </summary>
    private static void RequireTrainingMemory(long gaussians, int shDegree, TrainingData data, string source)
    {
        double perGaussian = MemoryBudget.TrainingBytesPerGaussian(shDegree) * (double)gaussians;
        double images = data.Views.Sum(v => (double)v.Camera.Width * v.Camera.Height * 16);
        var largest = data.Views.Count == 0 ? null : data.Views.MaxBy(v => (long)v.Camera.Width * v.Camera.Height)!.Camera;
        double raster = largest is null ? 0 : MemoryBudget.RasterImageBytes(largest.Width, largest.Height, 3, backward: true);
        MemoryBudget.Require(perGaussian + images + raster, $"Training {gaussians} Gaussians (from {source}) on {data.Views.Count} views",
            $"{ByteSize.Format(perGaussian)} of per-Gaussian state at SH degree {shDegree}, {ByteSize.Format(images)} of cached images, {ByteSize.Format(raster)} for rendering",
            "use fewer initial points, a lower SH degree or a larger image downscale");
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
        private readonly IRasterizerBackend _backend;
        private readonly IDensificationStrategy _strategy;
        private readonly StrategyContext _context;
        private Tensor? _gradSh;      // N×K×3, reused while the count stays; only the active coefficients are written
        private Tensor? _gradImage;   // H×W×3 of the last view size

        public TrainingSession(GaussianScene initial, TrainingData data, ReconstructOptions o)
        {
            _data = data; _o = o;
            torch.random.manual_seed(o.Seed);
            _rng = new Random(o.Seed);
            _gen = new Generator((ulong)o.Seed);
            _extent = SceneExtent.FromCameras(data.Views.Select(v => v.Camera).ToList()).Extent;
            _posLr = new PositionLearningRate(o.PositionLrInit * _extent, o.PositionLrFinal * _extent, o.PositionLrMaxSteps ?? o.Iterations);
            _backend = RasterizerBackends.Get(o.Backend);
            using (no_grad())
            {
                // Work on a copy whose SH tensor holds the target degree (extra coefficients start at zero). The trainer
                // computes its gradients explicitly (no autograd), so the copies do not require grad.
                int k = (o.ShDegree + 1) * (o.ShDegree + 1);
                using var scope = NewDisposeScope();
                var sh = initial.ShCoefficients.detach()[.., ..k, ..].clone();
                _scene = new GaussianScene(
                    initial.Means.detach().to_type(ScalarType.Float32).contiguous().clone().DetachFromDisposeScope(),
                    initial.LogScales.detach().to_type(ScalarType.Float32).contiguous().clone().DetachFromDisposeScope(),
                    initial.Rotations.detach().to_type(ScalarType.Float32).contiguous().clone().DetachFromDisposeScope(),
                    initial.OpacityLogits.detach().to_type(ScalarType.Float32).contiguous().clone().DetachFromDisposeScope(),
                    sh.to_type(ScalarType.Float32).contiguous().DetachFromDisposeScope());
            }
            _adam = new GaussianAdam(_scene, _posLr.At(0), o.ScalingLr, o.RotationLr, o.OpacityLr, o.FeatureLr, o.FeatureRestDivisor, o.AdamEpsilon);
            _stats = new DensificationStats(_scene.Count);
            _cache = new (Tensor, Tensor?)?[data.Views.Count];
            _valid = new Tensor?[data.Views.Count];
            _strategy = o.Strategy ?? new DefaultDensificationStrategy();
            _context = new StrategyContext(_scene, _adam, _stats, o, _extent, _gen, data.Background.All(b => b == 1f));
        }

        public GaussianScene Run(IProgress<ReconstructProgress>? progress, CancellationToken ct)
        {
            var o = _o;
            int total = o.Iterations;
            int shInterval = o.Scaled(o.ShIncreaseInterval);
            int activeSh = 0;
            double emaLoss = double.NaN, emaPsnr = double.NaN;
            var clock = Stopwatch.StartNew();
            var prof = new TrainingProfile();
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
            _strategy.Begin(_context);
            bool nativeChecks = _backend is Rendering.Native.NativeRasterizerBackend;

            for (int it = 1; it <= total; it++)
            {
                ct.ThrowIfCancellationRequested();
                long t0 = Stopwatch.GetTimestamp();
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                _adam[GaussianAdam.Means] = _posLr.At(it);
                if (it % shInterval == 0 && activeSh < o.ShDegree) activeSh++;

                int vi = NextView();
                var view = _data.Views[vi];
                var cam = view.Camera;
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
                        target = (gtRgb + (1 - gtAlpha).unsqueeze(-1) * delta).contiguous();
                    }
                }
                var settings = new RasterSettings { Background = bg };
                t0 = prof.Lap(TrainingStage.Data, t0);

                // Forward: activations, SH colours, rasterization.
                var means = _scene.Means;
                var scales = _scene.LogScales.exp();
                var opac = _scene.OpacityLogits.sigmoid();
                RasterForward fwd;
                Tensor colors;
                try
                {
                    if (!nativeChecks)
                        foreach (var (t, name) in GaussianAdam.Parameters(_scene).Zip(ParameterNames))
                            Rasterizer.Validate(t, "scene." + name);
                    colors = _backend.ShForward(_scene.ShCoefficients, means, cam.Center, activeSh);
                    t0 = prof.Lap(TrainingStage.ShForward, t0);
                    fwd = _backend.Forward(new RasterInputs(means, scales, _scene.Rotations, opac, colors), cam, settings);
                }
                catch (ArgumentException e) when (e.Message.Contains("NaN", StringComparison.Ordinal))
                {
                    throw new ReconstructionDivergedException(it, "a scene parameter became NaN or infinite.", e);
                }
                using var fwdScope = fwd;
                var inputs = new RasterInputs(means, scales, _scene.Rotations, opac, colors);
                var image = fwd.Colors;
                if (!image.shape.SequenceEqual(target.shape))
                    throw new InvalidOperationException($"View {vi} ({cam.Name}): rendered image [{string.Join(",", image.shape)}] does not match the loaded image [{string.Join(",", target.shape)}]; check the camera size.");
                t0 = prof.Lap(TrainingStage.RasterForward, t0);
                if (_valid[vi] is { } valid)
                {
                    // Excluded pixels (lens border, mask files) take the render's own value: zero loss gradient there.
                    var v3 = valid.unsqueeze(-1);
                    target = target * v3 + image * (1 - v3);
                }

                // Loss and its image gradient (fused native L1 + SSIM, or TorchSharp autograd without the native library).
                var gradImage = ImageGradient(image);
                var (lossValue, mse) = PhotometricLoss.Compute(image, target, o.SsimWeight, gradImage);
                if (!double.IsFinite(lossValue))
                    throw new ReconstructionDivergedException(it, $"the loss is {lossValue} (view {vi}).");
                t0 = prof.Lap(TrainingStage.Loss, t0);

                using var g = _backend.Backward(inputs, cam, settings, fwd, gradImage, null, null);
                t0 = prof.Lap(TrainingStage.RasterBackward, t0);

                // Chain rule through the activations; SH backward writes the active coefficients and adds to dL/dmeans.
                var gLogScales = g.Scales.mul_(scales);
                var gLogits = g.Opacities.mul_(opac * (1 - opac));
                var gSh = ShGradient();
                _backend.ShBackward(_scene.ShCoefficients, means, cam.Center, activeSh, g.Colors, gSh, g.Means);
                lossValue += _strategy.AddRegularizerGradients(_context, gLogScales, gLogits);
                t0 = prof.Lap(TrainingStage.ShBackward, t0);

                double psnr = Psnr.FromMse(Math.Max(mse, 1e-12));
                emaLoss = double.IsNaN(emaLoss) ? lossValue : 0.4 * lossValue + 0.6 * emaLoss;
                emaPsnr = double.IsNaN(emaPsnr) ? psnr : 0.4 * psnr + 0.6 * emaPsnr;
                if (_strategy.WantsStatistics(_context, it)) _stats.Add(g.Means2d, fwd.Radii, cam.Width, cam.Height);
                t0 = prof.Lap(TrainingStage.DensifyStats, t0);

                _adam.Step(_scene, [g.Means, gLogScales, g.Quats, gLogits, gSh], (activeSh + 1) * (activeSh + 1));
                t0 = prof.Lap(TrainingStage.Optimizer, t0);

                _strategy.AfterStep(_context, it);
                t0 = prof.Lap(TrainingStage.Densify, t0);

                double secs = clock.Elapsed.TotalSeconds;
                prof.Iterations = it;
                progress?.Report(new ReconstructProgress(it, total, lossValue, emaLoss, emaPsnr, _scene.Count, activeSh,
                                                         secs > 0 ? it / secs : 0, clock.Elapsed, prof.Snapshot()));
                prof.Lap(TrainingStage.Progress, t0);
            }

            using (no_grad())
            using (var check = NewDisposeScope())
            {
                foreach (var (t, name) in GaussianAdam.Parameters(_scene).Zip(ParameterNames))
                    if (!isfinite(t).all().item<bool>())
                        throw new ReconstructionDivergedException(total, $"the final {name} contain NaN or infinite values.");
            }
            return _scene.Clone();
        }

        private static readonly string[] ParameterNames = ["means", "log-scales", "rotations", "opacities", "SH"];

        /// <summary>The reused SH gradient buffer (reallocated when densification changed the count).</summary>
        private Tensor ShGradient()
        {
            var sh = _scene.ShCoefficients;
            if (_gradSh is null || !_gradSh.shape.SequenceEqual(sh.shape))
            {
                _gradSh?.Dispose();
                _gradSh = zeros_like(sh).DetachFromDisposeScope();
            }
            return _gradSh;
        }

        /// <summary>The reused image-gradient buffer (reallocated when the view size changes).</summary>
        private Tensor ImageGradient(Tensor image)
        {
            if (_gradImage is null || !_gradImage.shape.SequenceEqual(image.shape))
            {
                _gradImage?.Dispose();
                _gradImage = zeros_like(image).DetachFromDisposeScope();
            }
            return _gradImage;
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
            _gradSh?.Dispose(); _gradImage?.Dispose();
            foreach (var c in _cache)
                if (c is { } e) { e.Rgb.Dispose(); e.Alpha?.Dispose(); }
            foreach (var v in _valid) v?.Dispose();
        }
    }
}
