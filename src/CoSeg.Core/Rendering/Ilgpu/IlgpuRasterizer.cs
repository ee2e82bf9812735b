using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering.Ilgpu;

/// <summary>
/// The ILGPU backend: project → scan → emit keys → sort (only the key bits in use) → tile ranges → blend; backward
/// replays each tile back to front and chains through project-backward. GPUs run the shared-memory tile-group kernels;
/// the CPU accelerator runs one-thread-per-tile kernels (<see cref="TileSerialKernels"/>) and scans/sorts on the host.
/// Tensors cross the bridge without a copy on the CPU accelerator (views wrap their storage) and by one copy each way
/// on GPUs, in the bridge functions at the end of this file.
/// </summary>
internal sealed class IlgpuRasterizer : IRasterizerBackend
{
    private readonly IlgpuDevice _device;
    private readonly BufferPool _pool;
    private readonly object _gate = new();
    private readonly Action<Index1D, GridStride, KernelParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>> _project;
    private readonly Action<Index1D, GridStride, KernelParams, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<ulong>, ArrayView<int>> _emit;
    private readonly Action<Index1D, GridStride, int, ArrayView<ulong>, ArrayView<int>> _ranges;
    private readonly Action<KernelConfig, KernelParams, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>> _forward;
    private readonly Action<KernelConfig, KernelParams, RasterKernels.SplatViews, RasterKernels.BackwardViews> _backward;
    private readonly Action<Index1D, GridStride, KernelParams, RasterKernels.SplatViews, TileSerialKernels.ForwardViews> _forwardSerial;
    private readonly Action<Index1D, GridStride, KernelParams, RasterKernels.SplatViews, RasterKernels.BackwardViews, ArrayView<float>> _backwardSerial;
    private readonly Action<Index1D, GridStride, int, ArrayView<int>, ArrayView<int>, ArrayView<float>, RasterKernels.BackwardViews> _reduceGaussians;
    private readonly Action<Index1D, GridStride, KernelParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _projectBackward;
    private readonly Action<Index1D, GridStride, KernelParams, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<int>, ArrayView<float>, int, ArrayView<float>, ArrayView<float>> _unproject;
    private readonly Action<Index1D, GridStride, ShParams, ArrayView<float>, ArrayView<float>, ArrayView<float>> _shForward;
    private readonly Action<Index1D, GridStride, ShParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _shBackward;
    // Created on first use: the CPU accelerator normally scans and sorts on the host.
    private readonly Lazy<Scan<int, Stride1D.Dense, Stride1D.Dense>> _scan;
    private readonly Lazy<RadixSortPairs<ulong, Stride1D.Dense, int, Stride1D.Dense>> _sort40, _sort44, _sort48, _sort64;

    public IlgpuRasterizer() : this(new IlgpuDevice()) { }

    internal IlgpuRasterizer(IlgpuDevice device)
    {
        _device = device;
        var acc = device.Accelerator;
        _pool = new BufferPool(acc);
        _project = acc.LoadAutoGroupedStreamKernel<Index1D, GridStride, KernelParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>>(RasterKernels.Project);
        _emit = acc.LoadAutoGroupedStreamKernel<Index1D, GridStride, KernelParams, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>,
            ArrayView<ulong>, ArrayView<int>>(RasterKernels.EmitKeys);
        _ranges = acc.LoadAutoGroupedStreamKernel<Index1D, GridStride, int, ArrayView<ulong>, ArrayView<int>>(RasterKernels.TileRanges);
        _forward = acc.LoadStreamKernel<KernelParams, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>>(RasterKernels.RasterizeForward);
        _backward = acc.LoadStreamKernel<KernelParams, RasterKernels.SplatViews, RasterKernels.BackwardViews>(RasterKernels.RasterizeBackward);
        _forwardSerial = acc.LoadAutoGroupedStreamKernel<Index1D, GridStride, KernelParams, RasterKernels.SplatViews, TileSerialKernels.ForwardViews>(TileSerialKernels.Forward);
        _backwardSerial = acc.LoadAutoGroupedStreamKernel<Index1D, GridStride, KernelParams, RasterKernels.SplatViews, RasterKernels.BackwardViews, ArrayView<float>>(TileSerialKernels.Backward);
        _reduceGaussians = acc.LoadAutoGroupedStreamKernel<Index1D, GridStride, int, ArrayView<int>, ArrayView<int>, ArrayView<float>, RasterKernels.BackwardViews>(TileSerialKernels.ReduceGaussians);
        UseGroupKernels = !device.IsCpu;
        _projectBackward = acc.LoadAutoGroupedStreamKernel<Index1D, GridStride, KernelParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(RasterKernels.ProjectBackward);
        _unproject = acc.LoadAutoGroupedStreamKernel<Index1D, GridStride, KernelParams, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<int>, ArrayView<float>, int, ArrayView<float>, ArrayView<float>>(RasterKernels.Unproject);
        _shForward = acc.LoadAutoGroupedStreamKernel<Index1D, GridStride, ShParams, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ShKernels.Forward);
        _shBackward = acc.LoadAutoGroupedStreamKernel<Index1D, GridStride, ShParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>>(ShKernels.Backward);
        _scan = new(() => acc.CreateScan<int, Stride1D.Dense, Stride1D.Dense, AddInt32>(ScanKind.Exclusive));
        _sort40 = new(() => acc.CreateRadixSortPairs<ulong, Stride1D.Dense, int, Stride1D.Dense, TileKeySort40>());
        _sort44 = new(() => acc.CreateRadixSortPairs<ulong, Stride1D.Dense, int, Stride1D.Dense, TileKeySort44>());
        _sort48 = new(() => acc.CreateRadixSortPairs<ulong, Stride1D.Dense, int, Stride1D.Dense, TileKeySort48>());
        _sort64 = new(() => acc.CreateRadixSortPairs<ulong, Stride1D.Dense, int, Stride1D.Dense, TileKeySort64>());
    }

    public string Name => _device.IsCpu ? "ilgpu-cpu" : "ilgpu-cuda";

    /// <summary>What the backward pass needs from the forward pass; owns rented accelerator buffers.</summary>
    private sealed class State : IDisposable
    {
        public required KernelParams Params;
        public required long N;
        public required BufferPool.Lease<float> Means, Scales, Quats, Mean2d, Conic, Depth, Opacity, Colors, Background, FinalT;
        public required BufferPool.Lease<int> Radii, Ranges, Ids, Last;
        /// <summary>Sorted (tile, Gaussian) pairs; with the one-thread-per-tile kernels also each Gaussian's pair positions.</summary>
        public long Pairs;
        public BufferPool.Lease<int>? PairStart, PairsByGaussian;
        private int _disposed;
        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            Means.Dispose(); Scales.Dispose(); Quats.Dispose();
            Mean2d.Dispose(); Conic.Dispose(); Depth.Dispose(); Opacity.Dispose(); Colors.Dispose(); Background.Dispose();
            FinalT.Dispose(); Radii.Dispose(); Ranges.Dispose(); Ids.Dispose(); Last.Dispose();
            PairStart?.Dispose(); PairsByGaussian?.Dispose();
        }
    }

    public RasterForward Forward(RasterInputs inputs, ProjectionParams view)
    {
        lock (_gate)
        {
            var sw0 = System.Diagnostics.Stopwatch.StartNew();
            var p = KernelParams.Create(view, inputs.Channels, _device.ThreadsPerTile);
            int hw = p.Width * p.Height, nc = p.Channels;
            using var outColor = Output<float>((long)hw * nc, out var colorsFlat);
            using var outDepth = Output<float>(hw, out var depthFlat);
            var state = RunForward(inputs, p, view.BackgroundFor(nc), outColor, outDepth);
            Trace("forward", sw0);
            var dev = inputs.Means.device;
            Finish(outColor, colorsFlat); Finish(outDepth, depthFlat);
            var colors = colorsFlat.reshape(p.Height, p.Width, nc);
            var depth = depthFlat.reshape(p.Height, p.Width);
            using var t = torch.empty(hw, dtype: ScalarType.Float32);
            Finish(state.FinalT, t);
            var alpha = (1 - t).reshape(p.Height, p.Width);
            var radii = torch.empty(state.N, dtype: ScalarType.Int32);
            Finish(state.Radii, radii);
            colorsFlat.Dispose(); depthFlat.Dispose();
            Trace("outputs", sw0);
            return new RasterForward(ToDevice(colors, dev), ToDevice(alpha, dev), ToDevice(depth, dev), ToDevice(radii, dev), state);
        }
    }

    private static State SavedState(RasterForward forward)
    {
        if (forward.State is not State s)
            throw new ArgumentException("The forward result was not produced by the ILGPU backend.", nameof(forward));
        if (s.IsDisposed)
            throw new InvalidOperationException("The ILGPU forward state was already released: backward runs once per render (render again instead of retain_graph).");
        return s;
    }

    public RasterGradients Backward(RasterInputs inputs, ProjectionParams view, RasterForward forward,
                                    Tensor gradColors, Tensor? gradAlpha, Tensor? gradDepth)
    {
        var s = SavedState(forward);
        lock (_gate)
        {
            var acc = _device.Accelerator;
            var p = s.Params;
            long n = s.N;
            int hw = p.Width * p.Height, nc = p.Channels;
            var dev = inputs.Means.device;
            using var gColorIn = Input(gradColors, (long)hw * nc, "gradColors");
            using var gAlphaIn = gradAlpha is null ? Zeros(hw) : Input(gradAlpha, hw, "gradAlpha");
            using var gDepthIn = gradDepth is null ? Zeros(hw) : Input(gradDepth, hw, "gradDepth");
            using var accum = _pool.Rent<float>((long)hw * nc);
            using var scratchT = _pool.Rent<float>(hw);
            using var scratchD = _pool.Rent<float>(hw);
            using var gMean2d = Output<float>(2 * n, out var gMean2dT);
            using var gConic = _pool.Rent<float>(3 * n);
            using var gOpac = Output<float>(n, out var gOpacT);
            using var gCol = Output<float>(n * nc, out var gColT);
            using var gZ = _pool.Rent<float>(n);
            using var gMeans = Output<float>(3 * n, out var gMeansT);
            using var gScales = Output<float>(3 * n, out var gScalesT);
            using var gQuats = Output<float>(4 * n, out var gQuatsT);
            foreach (var z in new[] { gMean2d, gConic, gOpac, gCol, gZ }) z.View.MemSetToZero();
            int numTiles = p.TilesX * p.TilesY;
            if (n > 0)
            {
                var sv = new RasterKernels.SplatViews
                {
                    Ranges = s.Ranges.View, Ids = s.Ids.View, Mean2d = s.Mean2d.View, Conic = s.Conic.View, Opacity = s.Opacity.View,
                    Depth = s.Depth.View, Colors = s.Colors.View, Background = s.Background.View,
                };
                var bv = new RasterKernels.BackwardViews
                {
                    FinalT = s.FinalT.View, Last = s.Last.View, GradColor = gColorIn.View, GradAlpha = gAlphaIn.View, GradDepth = gDepthIn.View,
                    Accum = accum.View, GMean2d = gMean2d.View, GConic = gConic.View, GOpacity = gOpac.View, GColors = gCol.View, GDepth = gZ.View,
                    ScratchT = scratchT.View, ScratchDepth = scratchD.View,
                };
                if (UseGroupKernels) _backward(new KernelConfig(numTiles, p.ThreadsPerTile), p, sv, bv);
                else
                {
                    // Per-pair partial sums, then a fixed-order sum per Gaussian: deterministic, no float atomics.
                    using var partials = _pool.Rent<float>(Math.Max(1, s.Pairs) * (TileSerialKernels.PartialScalars + nc));
                    partials.View.MemSetToZero();
                    _backwardSerial(Launch(numTiles, out var tileRange), tileRange, p, sv, bv, partials.View);
                    _reduceGaussians(Launch(n, out var gaussianRange), gaussianRange, nc, s.PairStart!.View, s.PairsByGaussian!.View, partials.View, bv);
                    acc.Synchronize();
                }
                _projectBackward(Launch(n, out var pbRange), pbRange, p, s.Means.View, s.Scales.View, s.Quats.View, s.Radii.View, gMean2d.View, gConic.View, gZ.View,
                                 gMeans.View, gScales.View, gQuats.View);
                acc.Synchronize();
            }
            else acc.Synchronize(); // the memsets
            Finish(gMeans, gMeansT); Finish(gScales, gScalesT); Finish(gQuats, gQuatsT); Finish(gOpac, gOpacT); Finish(gCol, gColT); Finish(gMean2d, gMean2dT);
            return new RasterGradients(
                Reshaped(gMeansT, dev, n, 3), Reshaped(gScalesT, dev, n, 3), Reshaped(gQuatsT, dev, n, 4), Reshaped(gOpacT, dev, n),
                Reshaped(gColT, dev, n, nc), Reshaped(gMean2dT, dev, n, 2));
        }
    }

    public Tensor BackwardChannels(RasterInputs inputs, ProjectionParams view, RasterForward forward, Tensor gradColors)
    {
        var s = SavedState(forward);
        var p = s.Params;
        if (gradColors.ndim != 3 || gradColors.shape[0] != p.Height || gradColors.shape[1] != p.Width || gradColors.shape[2] != p.Channels)
            throw new ArgumentException($"gradColors must be {p.Height}×{p.Width}×{p.Channels}, got [{string.Join(",", gradColors.shape)}].", nameof(gradColors));
        lock (_gate)
        {
            using var g = Input(gradColors, (long)p.Width * p.Height * p.Channels, "gradColors");
            using var sums = Output<float>(s.N * p.Channels, out var sumsT);
            using var weights = _pool.Rent<float>(s.N);
            Transpose(s, g, p.Channels, sums, weights);
            Finish(sums, sumsT);
            return Reshaped(sumsT, inputs.Colors.device, s.N, p.Channels);
        }
    }

    public void Unproject(RasterInputs inputs, ProjectionParams view, Tensor pixelFeatures, Tensor featureSums, Tensor weightSums)
    {
        if (pixelFeatures.ndim != 3 || pixelFeatures.shape[0] != view.Height || pixelFeatures.shape[1] != view.Width)
            throw new ArgumentException($"pixelFeatures must be H×W×C = {view.Height}×{view.Width}×C, got [{string.Join(",", pixelFeatures.shape)}].", nameof(pixelFeatures));
        int fc = (int)pixelFeatures.shape[2];
        if (fc < 1) throw new ArgumentException("pixelFeatures must have at least one channel.", nameof(pixelFeatures));
        UnprojectCore(inputs, view, pixelFeatures, fc, featureSums, weightSums);
    }

    public void AccumulateWeights(RasterInputs inputs, ProjectionParams view, Tensor weightSums)
        => UnprojectCore(inputs, view, null, 0, null, weightSums);

    /// <summary>Geometry-only forward, then the transpose pass with <paramref name="fc"/> feature channels (0 = weights only).</summary>
    private void UnprojectCore(RasterInputs inputs, ProjectionParams view, Tensor? pixelFeatures, int fc, Tensor? featureSums, Tensor weightSums)
    {
        int hw = view.Pixels;
        long n = inputs.Count;
        lock (_gate)
        {
            using var scope = torch.NewDisposeScope();
            // The channels do not matter for the weights: blend one zero channel.
            var geometry = inputs with { Colors = torch.zeros(n, 1, dtype: ScalarType.Float32) };
            var p = KernelParams.Create(view, 1, _device.ThreadsPerTile);
            using var outColor = _pool.Rent<float>(hw);
            using var outDepth = _pool.Rent<float>(hw);
            using var state = RunForward(geometry, p, null, outColor, outDepth);
            using var feats = pixelFeatures is null ? Zeros(1) : Input(pixelFeatures, (long)hw * fc, "pixelFeatures");
            using var fSums = Output<float>(Math.Max(1, n * fc), out var fSumsT);
            using var wSums = Output<float>(n, out var wSumsT);
            Transpose(state, feats, fc, fSums, wSums);
            Finish(fSums, fSumsT); Finish(wSums, wSumsT);
            if (featureSums is not null) featureSums.add_(fSumsT.reshape(n, fc).to(featureSums.dtype, featureSums.device));
            weightSums.add_(wSumsT.to(weightSums.dtype, weightSums.device));
        }
    }

    /// <summary>The αT-weighted transpose over a forward state: per-pixel replay, atomics into zeroed per-Gaussian sums.</summary>
    private void Transpose(State state, BufferPool.Lease<float> pixelValues, int fc, BufferPool.Lease<float> sums, BufferPool.Lease<float> weights)
    {
        var p = state.Params;
        sums.View.MemSetToZero(); weights.View.MemSetToZero();
        if (state.N > 0)
            _unproject(Launch(p.Width * p.Height, out var pixRange), pixRange, p, state.Ranges.View, state.Ids.View, state.Mean2d.View, state.Conic.View,
                       state.Opacity.View, state.Last.View, pixelValues.View, fc, sums.View, weights.View);
        _device.Accelerator.Synchronize();
    }

    /// <summary>SH colours (N×3) of coefficients N×K×3 for the camera centre, using SH up to <paramref name="degree"/>.</summary>
    internal Tensor ShForward(Tensor sh, Tensor means, (double X, double Y, double Z) centre, int degree)
    {
        long n = means.shape[0];
        int k = (int)sh.shape[1];
        var sp = new ShParams { Cx = (float)centre.X, Cy = (float)centre.Y, Cz = (float)centre.Z, Degree = degree, Coefficients = k };
        lock (_gate)
        {
            using var m = Input(means, 3 * n, "means");
            using var c = Input(sh, n * k * 3, "shCoefficients");
            using var o = Output<float>(3 * n, out var colors);
            if (n > 0) { _shForward(Launch(n, out var shRange), shRange, sp, m.View, c.View, o.View); _device.Accelerator.Synchronize(); }
            Finish(o, colors);
            return Reshaped(colors, means.device, n, 3);
        }
    }

    /// <summary>Gradients of <see cref="ShForward"/> with respect to the coefficients (N×K×3) and the means (N×3).</summary>
    internal (Tensor Sh, Tensor Means) ShBackward(Tensor sh, Tensor means, (double X, double Y, double Z) centre, int degree, Tensor gradColors)
    {
        long n = means.shape[0];
        int k = (int)sh.shape[1];
        var sp = new ShParams { Cx = (float)centre.X, Cy = (float)centre.Y, Cz = (float)centre.Z, Degree = degree, Coefficients = k };
        lock (_gate)
        {
            using var m = Input(means, 3 * n, "means");
            using var c = Input(sh, n * k * 3, "shCoefficients");
            using var g = Input(gradColors, 3 * n, "gradColors");
            using var gs = Output<float>(n * k * 3, out var gSh);
            using var gm = Output<float>(3 * n, out var gMeans);
            if (n > 0) { _shBackward(Launch(n, out var shRange), shRange, sp, m.View, c.View, g.View, gs.View, gm.View); _device.Accelerator.Synchronize(); }
            Finish(gs, gSh); Finish(gm, gMeans);
            return (Reshaped(gSh, sh.device, n, k, 3), Reshaped(gMeans, means.device, n, 3));
        }
    }

    /// <summary>Project, bin, sort and blend; the returned state keeps what backward/unproject need.</summary>
    private State RunForward(RasterInputs inputs, KernelParams p, float[]? background, BufferPool.Lease<float> outColor, BufferPool.Lease<float> outDepth)
    {
        var acc = _device.Accelerator;
        long n = inputs.Count;
        int nc = p.Channels, hw = p.Width * p.Height, numTiles = p.TilesX * p.TilesY;
        if (n > int.MaxValue / 4) throw new ArgumentException($"Too many Gaussians for the ILGPU backend: {n}.", nameof(inputs));
        var state = new State
        {
            Params = p, N = n,
            Means = Input(inputs.Means, 3 * n, "means"), Scales = Input(inputs.Scales, 3 * n, "scales"), Quats = Input(inputs.Quats, 4 * n, "quats"),
            Mean2d = _pool.Rent<float>(2 * n), Conic = _pool.Rent<float>(3 * n), Depth = _pool.Rent<float>(n),
            Opacity = Input(inputs.Opacities, n, "opacities"), Colors = Input(inputs.Colors, n * nc, "colors"), Background = _pool.Rent<float>(nc),
            FinalT = _pool.Rent<float>(hw), Radii = _pool.Rent<int>(n), Ranges = _pool.Rent<int>(2L * numTiles),
            Ids = _pool.Rent<int>(0), Last = _pool.Rent<int>(hw),
        };
        var swu = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var bg = background ?? new float[nc];
            FromHost(state.Background.View, bg, 0, nc);
            state.Ranges.View.MemSetToZero();
            Trace("upload", swu);

            long total = 0;
            if (n > 0)
            {
                using var rect = _pool.Rent<int>(4 * n);
                using var tiles = _pool.Rent<int>(n);
                using var offsets = _pool.Rent<int>(n);
                var sw = System.Diagnostics.Stopwatch.StartNew();
                _project(Launch(n, out var projectRange), projectRange, p, state.Means.View, state.Scales.View, state.Quats.View, state.Mean2d.View, state.Conic.View,
                         state.Depth.View, state.Radii.View, rect.View, tiles.View);
                total = ExclusiveScan(tiles, offsets, n);
                Trace("project+scan", sw);
                if (total > int.MaxValue) throw new InvalidOperationException($"The scene touches {total} tile slots, more than the ILGPU backend supports.");
                if (total > 0)
                {
                    state.Ids.Dispose();
                    state.Ids = _pool.Rent<int>(total);
                    using var keys = _pool.Rent<ulong>(total);
                    _emit(Launch(n, out var emitRange), emitRange, p, rect.View, tiles.View, offsets.View, state.Depth.View, keys.View, state.Ids.View);
                    acc.Synchronize(); Trace("emit", sw);
                    Sort(keys, state.Ids, total, numTiles);
                    acc.Synchronize(); Trace($"sort {total}", sw);
                    _ranges(Launch(total, out var pairRange), pairRange, (int)total, keys.View, state.Ranges.View);
                }
                state.Pairs = total;
                if (!UseGroupKernels) IndexPairsByGaussian(state, n, total);
            }
            else
            {
                state.Radii.View.MemSetToZero();
            }
            var swf = System.Diagnostics.Stopwatch.StartNew();
            using var doneFlags = _pool.Rent<int>(hw);
            if (UseGroupKernels)
            {
                _forward(new KernelConfig(numTiles, p.ThreadsPerTile), p, state.Ranges.View, state.Ids.View, state.Mean2d.View,
                         state.Conic.View, state.Opacity.View, state.Depth.View, state.Colors.View, state.Background.View,
                         outColor.View, state.FinalT.View, outDepth.View, state.Last.View, doneFlags.View);
            }
            else
            {
                var sv = new RasterKernels.SplatViews
                {
                    Ranges = state.Ranges.View, Ids = state.Ids.View, Mean2d = state.Mean2d.View, Conic = state.Conic.View,
                    Opacity = state.Opacity.View, Depth = state.Depth.View, Colors = state.Colors.View, Background = state.Background.View,
                };
                var fv = new TileSerialKernels.ForwardViews
                {
                    OutColor = outColor.View, OutT = state.FinalT.View, OutDepth = outDepth.View, OutLast = state.Last.View, Done = doneFlags.View,
                };
                _forwardSerial(Launch(numTiles, out var tileRange), tileRange, p, sv, fv);
            }
            acc.Synchronize();
            Trace("rasterize", swf);
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>Threads to launch for a grid-stride kernel over <paramref name="count"/> elements, and its range.</summary>
    private int Launch(long count, out GridStride range)
    {
        range = GridStride.For(count, _device.IsCpu, out int launch);
        return launch;
    }

    /// <summary>
    /// Lists each Gaussian's positions in the sorted pair list (ascending) with a counting sort on the host, for the
    /// deterministic per-Gaussian reduction of the one-thread-per-tile backward.
    /// </summary>
    private void IndexPairsByGaussian(State state, long n, long total)
    {
        _device.Accelerator.Synchronize();
        // Host scratch reused across calls (callers hold _gate).
        var start = Grow(ref _hostStart, n + 1);
        var byGaussian = Grow(ref _hostByGaussian, Math.Max(1, total));
        Array.Clear(start, 0, (int)(n + 1));
        if (total > 0)
        {
            var ids = Grow(ref _hostIds, total);
            ToHost(state.Ids.View, ids, 0, total);
            for (long k = 0; k < total; k++) start[ids[k] + 1]++;
            for (long g = 0; g < n; g++) start[g + 1] += start[g];
            var fill = Grow(ref _hostFill, n);
            Array.Copy(start, fill, n);
            for (int k = 0; k < total; k++) byGaussian[fill[ids[k]]++] = k;
        }
        state.PairStart = _pool.Rent<int>(n + 1);
        FromHost(state.PairStart.View, start, 0, n + 1);
        state.PairsByGaussian = _pool.Rent<int>(total);
        FromHost(state.PairsByGaussian.View, byGaussian, 0, Math.Max(1, total));
    }

    // Host scratch of the CPU path (scan, sort, pair index), reused across calls under _gate.
    private int[]? _hostIds, _hostStart, _hostFill, _hostByGaussian, _hostCounts, _hostValues;
    private ulong[]? _hostKeys;

    private static T[] Grow<T>(ref T[]? buffer, long length)
    {
        if (buffer is null || buffer.Length < length) buffer = new T[Math.Max(length, (buffer?.Length ?? 0) * 3 / 2)];
        return buffer;
    }

    private static readonly bool Tracing = Environment.GetEnvironmentVariable("COSEG_RASTER_TRACE") == "1";

    private static void Trace(string stage, System.Diagnostics.Stopwatch sw)
    {
        if (Tracing) Console.Error.WriteLine($"[ilgpu] {stage}: {sw.Elapsed.TotalMilliseconds:F1} ms");
        sw.Restart();
    }

    /// <summary>
    /// When true, scan and sort run as ILGPU.Algorithms kernels even on the CPU accelerator. By default the CPU
    /// accelerator scans and sorts on the host: its emulated radix sort costs seconds for a few hundred pairs, while
    /// the result is identical (keys are unique per tile up to depth ties).
    /// </summary>
    internal bool UseAcceleratorSort { get; set; }

    private bool HostSort => _device.IsCpu && !UseAcceleratorSort;

    /// <summary>
    /// Blend with the shared-memory tile-group kernels (what GPUs run; the default there) instead of the one-thread-per-tile
    /// kernels (the CPU accelerator's default, where group barriers are OS-thread synchronisations). Tests switch it on to
    /// run the GPU kernels on the CPU accelerator.
    /// </summary>
    internal bool UseGroupKernels { get; set; }

    /// <summary>Exclusive scan of per-Gaussian tile counts; returns the total.</summary>
    private long ExclusiveScan(BufferPool.Lease<int> tiles, BufferPool.Lease<int> offsets, long n)
    {
        var acc = _device.Accelerator;
        if (HostSort)
        {
            acc.Synchronize();
            var counts = Grow(ref _hostCounts, n);
            ToHost(tiles.View, counts, 0, n);
            long run = 0;
            for (long i = 0; i < n; i++)
            {
                int c = counts[i];
                counts[i] = (int)Math.Min(run, int.MaxValue);
                run += c;
            }
            FromHost(offsets.View, counts, 0, n);
            return run;
        }
        using (var scanTemp = _pool.Rent<int>(acc.ComputeScanTempStorageSize<int>(n)))
            _scan.Value(acc.DefaultStream, tiles.View, offsets.View, scanTemp.View);
        acc.Synchronize();
        var lastTwo = new int[2];
        ToHost(offsets.View.SubView(n - 1, 1), lastTwo, 0, 1);
        ToHost(tiles.View.SubView(n - 1, 1), lastTwo, 1, 1);
        return (long)lastTwo[0] + lastTwo[1];
    }

    /// <summary>Radix-sorts the pairs on the low 32 + tile bits of the key (rounded up to a multiple of 4).</summary>
    private void Sort(BufferPool.Lease<ulong> keys, BufferPool.Lease<int> values, long count, int numTiles)
    {
        var acc = _device.Accelerator;
        if (HostSort)
        {
            acc.Synchronize();
            var k = Grow(ref _hostKeys, count);
            var v = Grow(ref _hostValues, count);
            ToHost(keys.View, k, 0, count);
            ToHost(values.View, v, 0, count);
            Array.Sort(k, v, 0, (int)count);
            FromHost(keys.View, k, 0, count);
            FromHost(values.View, v, 0, count);
            return;
        }
        int tileBits = 1;
        while ((1L << tileBits) < numTiles) tileBits++;
        var (sort, temp) = tileBits switch
        {
            <= 8 => (_sort40, acc.ComputeRadixSortPairsTempStorageSize<ulong, int, TileKeySort40>((int)count)),
            <= 12 => (_sort44, acc.ComputeRadixSortPairsTempStorageSize<ulong, int, TileKeySort44>((int)count)),
            <= 16 => (_sort48, acc.ComputeRadixSortPairsTempStorageSize<ulong, int, TileKeySort48>((int)count)),
            _ => (_sort64, acc.ComputeRadixSortPairsTempStorageSize<ulong, int, TileKeySort64>((int)count)),
        };
        using var tmp = _pool.Rent<int>(temp);
        sort.Value(acc.DefaultStream, keys.View, values.View, tmp.View);
    }

    // ---- the tensor ↔ accelerator bridge (docs/rasterizer.md): zero-copy on the CPU accelerator, where ILGPU views wrap
    // the tensors' own storage; one copy each way on GPUs (ILGPU's CUDA context is not libtorch's), in these functions only.

    /// <summary>An input tensor as a float32 view: the tensor's storage itself on the CPU accelerator, else a copy.</summary>
    private unsafe BufferPool.Lease<float> Input(Tensor t, long count, string name)
    {
        if (t.numel() != count) throw new ArgumentException($"{name} has {t.numel()} elements, expected {count}.", name);
        // A new handle; it shares the data when the tensor is already float32, on the CPU and contiguous. The scope keeps
        // the chain's temporaries referenced (a temporary the GC finalizes mid-call would be freed under libtorch).
        Tensor c;
        using (torch.NewDisposeScope()) c = t.detach().to(ScalarType.Float32).cpu().contiguous().DetachFromDisposeScope();
        if (_device.IsCpu) return _pool.Wrap<float>(DataPtr<float>(c), count, c);
        try
        {
            var lease = _pool.Rent<float>(count);
            if (count > 0) lease.View.SubView(0, count).CopyFromCPU(ref Unsafe.AsRef<float>((void*)DataPtr<float>(c)), count);
            return lease;
        }
        finally { c.Dispose(); }
    }

    /// <summary>A zero-filled float view of <paramref name="count"/> elements.</summary>
    private BufferPool.Lease<float> Zeros(long count)
    {
        var lease = _pool.Rent<float>(count);
        lease.View.MemSetToZero();
        return lease;
    }

    /// <summary>
    /// A new CPU tensor of <paramref name="count"/> elements and the view kernels write it through: its own storage on the
    /// CPU accelerator, else a device buffer that <see cref="Finish{T}"/> copies back.
    /// </summary>
    private BufferPool.Lease<T> Output<T>(long count, out Tensor tensor) where T : unmanaged
    {
        var dtype = typeof(T) == typeof(int) ? ScalarType.Int32 : typeof(T) == typeof(float) ? ScalarType.Float32
            : throw new NotSupportedException($"No tensor type for {typeof(T).Name}.");
        tensor = torch.empty(count, dtype: dtype);
        return _device.IsCpu ? _pool.Wrap<T>(DataPtr<T>(tensor), count, null) : _pool.Rent<T>(count);
    }

    /// <summary>Makes <paramref name="tensor"/> hold the view's values (a no-op when the view is the tensor's storage).</summary>
    private unsafe void Finish<T>(BufferPool.Lease<T> lease, Tensor tensor) where T : unmanaged
    {
        if (lease.IsWrapped) return; // Output wrapped this very tensor
        long count = tensor.numel();
        if (count != lease.Length) throw new InvalidOperationException($"Bridge size mismatch: {count} vs {lease.Length}.");
        if (count > 0) lease.View.SubView(0, count).CopyToCPU(ref Unsafe.AsRef<T>((void*)DataPtr<T>(tensor)), count);
    }

    /// <summary>The tensor reshaped and moved to <paramref name="dev"/>; the flat one is released.</summary>
    private static Tensor Reshaped(Tensor flat, torch.Device dev, params long[] shape)
    {
        var r = flat.reshape(shape);
        flat.Dispose();
        return ToDevice(r, dev);
    }

    /// <summary>
    /// Copies <paramref name="count"/> elements of a view into a managed array at <paramref name="offset"/>, with the array
    /// pinned: ILGPU's by-reference copies work on the raw address, which a compacting GC could move mid-copy.
    /// </summary>
    private static unsafe void ToHost<T>(ArrayView<T> view, T[] array, long offset, long count) where T : unmanaged
    {
        if (count <= 0) return;
        if (offset + count > array.Length) throw new ArgumentOutOfRangeException(nameof(count));
        fixed (T* p = array) view.SubView(0, count).CopyToCPU(ref Unsafe.AsRef<T>(p + offset), count);
    }

    /// <summary>Copies <paramref name="count"/> elements of a pinned managed array (from <paramref name="offset"/>) into a view.</summary>
    private static unsafe void FromHost<T>(ArrayView<T> view, T[] array, long offset, long count) where T : unmanaged
    {
        if (count <= 0) return;
        if (offset + count > array.Length) throw new ArgumentOutOfRangeException(nameof(count));
        fixed (T* p = array) view.SubView(0, count).CopyFromCPU(ref Unsafe.AsRef<T>(p + offset), count);
    }

    /// <summary>Address of a contiguous CPU tensor's first element (storage base + offset).</summary>
    private static unsafe IntPtr DataPtr<T>(Tensor t) where T : unmanaged
    {
        if (t.device_type != DeviceType.CPU || !t.is_contiguous()) throw new InvalidOperationException("Expected a contiguous CPU tensor.");
        return t.storage<T>().data_ptr() + (nint)(t.storage_offset() * sizeof(T));
    }

    private static Tensor ToDevice(Tensor t, torch.Device dev)
    {
        if (dev.type == DeviceType.CPU) return t;
        var moved = t.to(dev);
        t.Dispose();
        return moved;
    }

    public void Dispose()
    {
        _pool.Dispose();
        _device.Dispose();
    }
}
