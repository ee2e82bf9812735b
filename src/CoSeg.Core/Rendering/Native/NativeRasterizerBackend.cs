using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering.Native;

/// <summary>
/// The native C++ CPU rasterizer (libcoseg_native: OpenMP across tiles, AVX2/FMA across the pixels of a tile).
/// Tensors are handed over by their data pointers (no copies for contiguous float32 CPU tensors). Safe to use from
/// several threads: each call rents its own native context (scratch memory) from a pool.
/// </summary>
internal sealed class NativeRasterizerBackend : IRasterizerBackend
{
    private const int MaxPooled = 8;
    private readonly ConcurrentBag<IntPtr> _contexts = new();
    private readonly ConcurrentBag<IntPtr> _states = new();
    private readonly int _threads;
    private readonly int _flags;
    private volatile bool _disposed;

    private NativeRasterizerBackend(int threads, int flags)
    {
        _threads = threads;
        _flags = flags;
        var ctx = NativeMethods.ContextCreate(threads, flags);
        if (ctx == IntPtr.Zero) throw new OutOfMemoryException("libcoseg_native: could not create a context.");
        UsesAvx2 = NativeMethods.ContextUsesAvx2(ctx) != 0;
        _contexts.Add(ctx);
    }

    /// <summary>Loads libcoseg_native; returns null and the reason when it cannot be loaded or is the wrong version.</summary>
    /// <param name="whyNot">Why the backend is unavailable, or null on success.</param>
    /// <param name="forceBaseline">Use the portable (non-AVX2) kernels even where AVX2 is available.</param>
    /// <param name="threads">OpenMP threads per call; 0 = the OpenMP default.</param>
    public static NativeRasterizerBackend? TryCreate(out string? whyNot, bool forceBaseline = false, int threads = 0)
    {
        try
        {
            var abi = NativeMethods.AbiVersion();
            if (abi != NativeMethods.ExpectedAbiVersion)
            {
                whyNot = $"libcoseg_native has ABI version {abi}, expected {NativeMethods.ExpectedAbiVersion}.";
                return null;
            }
            whyNot = null;
            return new NativeRasterizerBackend(threads, forceBaseline ? NativeMethods.ForceBaseline : 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            whyNot = $"libcoseg_native could not be loaded: {e.Message}";
            return null;
        }
    }

    /// <inheritdoc />
    public string Name => "native";

    /// <summary>True when the AVX2/FMA kernels run (else the portable ones).</summary>
    public bool UsesAvx2 { get; }

    /// <inheritdoc />
    public unsafe RasterForward Forward(RasterInputs inputs, ProjectionParams camera)
    {
        ArgumentNullException.ThrowIfNull(inputs); ArgumentNullException.ThrowIfNull(camera);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var n = ValidateInputs(inputs, out var c);
        var background = camera.BackgroundFor(c);
        using var scope = NewDisposeScope();
        var means = Prep(inputs.Means, "Means"); var scales = Prep(inputs.Scales, "Scales");
        var quats = Prep(inputs.Quats, "Quats"); var opac = Prep(inputs.Opacities, "Opacities"); var colors = Prep(inputs.Colors, "Colors");
        var colorsOut = empty(new long[] { camera.Height, camera.Width, c }, ScalarType.Float32);
        var alphaOut = empty(new long[] { camera.Height, camera.Width }, ScalarType.Float32);
        var depthOut = empty(new long[] { camera.Height, camera.Width }, ScalarType.Float32);
        var radii = empty(new long[] { n }, ScalarType.Int32);
        var cam = ToNative(camera);
        var ctx = RentContext();
        var state = RentState();
        try
        {
            fixed (float* bg = background)
            {
                var rc = NativeMethods.Forward(ctx, state, &cam, n, c, Ptr(means), Ptr(scales), Ptr(quats), Ptr(opac), Ptr(colors), bg,
                    Ptr(colorsOut), Ptr(alphaOut), Ptr(depthOut), Ptr(radii));
                NativeMethods.Check(rc, "native Forward");
            }
        }
        catch
        {
            ReturnState(state);
            throw;
        }
        finally
        {
            ReturnContext(ctx);
        }
        var saved = new NativeRasterState(this, state, n, c, camera.Width, camera.Height);
        return new RasterForward(colorsOut.MoveToOuterDisposeScope(), alphaOut.MoveToOuterDisposeScope(),
            depthOut.MoveToOuterDisposeScope(), radii.MoveToOuterDisposeScope(), saved);
    }

    /// <inheritdoc />
    public unsafe RasterGradients Backward(RasterInputs inputs, ProjectionParams camera, RasterForward forward,
                                           Tensor gradColors, Tensor? gradAlpha, Tensor? gradDepth)
    {
        ArgumentNullException.ThrowIfNull(inputs); ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(forward); ArgumentNullException.ThrowIfNull(gradColors);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var saved = SavedState(forward);
        var n = ValidateInputs(inputs, out var c);
        if (saved.Count != n || saved.Channels != c || saved.Width != camera.Width || saved.Height != camera.Height)
            throw new ArgumentException("Inputs/camera differ from those of the forward pass.", nameof(forward));
        var background = camera.BackgroundFor(c);
        using var scope = NewDisposeScope();
        var means = Prep(inputs.Means, "Means"); var scales = Prep(inputs.Scales, "Scales");
        var quats = Prep(inputs.Quats, "Quats"); var opac = Prep(inputs.Opacities, "Opacities"); var colors = Prep(inputs.Colors, "Colors");
        var gC = PrepGrad(gradColors, nameof(gradColors), camera.Height, camera.Width, c);
        var gA = gradAlpha is null ? null : PrepGrad(gradAlpha, nameof(gradAlpha), camera.Height, camera.Width, null);
        var gD = gradDepth is null ? null : PrepGrad(gradDepth, nameof(gradDepth), camera.Height, camera.Width, null);
        var gMeans = empty(new long[] { n, 3 }, ScalarType.Float32);
        var gScales = empty(new long[] { n, 3 }, ScalarType.Float32);
        var gQuats = empty(new long[] { n, 4 }, ScalarType.Float32);
        var gOpac = empty(new long[] { n }, ScalarType.Float32);
        var gColors = empty(new long[] { n, c }, ScalarType.Float32);
        var gMeans2d = empty(new long[] { n, 2 }, ScalarType.Float32);
        var cam = ToNative(camera);
        var ctx = RentContext();
        try
        {
            fixed (float* bg = background)
            {
                var rc = NativeMethods.Backward(ctx, saved.Handle, &cam, n, c, Ptr(means), Ptr(scales), Ptr(quats), Ptr(opac), Ptr(colors), bg,
                    Ptr(gC), gA is null ? IntPtr.Zero : Ptr(gA), gD is null ? IntPtr.Zero : Ptr(gD),
                    Ptr(gMeans), Ptr(gScales), Ptr(gQuats), Ptr(gOpac), Ptr(gColors), Ptr(gMeans2d));
                NativeMethods.Check(rc, "native Backward");
            }
        }
        finally
        {
            ReturnContext(ctx);
        }
        return new RasterGradients(gMeans.MoveToOuterDisposeScope(), gScales.MoveToOuterDisposeScope(), gQuats.MoveToOuterDisposeScope(),
            gOpac.MoveToOuterDisposeScope(), gColors.MoveToOuterDisposeScope(), gMeans2d.MoveToOuterDisposeScope());
    }

    private NativeRasterState SavedState(RasterForward forward)
    {
        if (forward.State is not NativeRasterState saved || saved.Owner != this)
            throw new ArgumentException("The forward result was not produced by this native backend.", nameof(forward));
        ObjectDisposedException.ThrowIf(saved.Handle == IntPtr.Zero, saved);
        return saved;
    }

    /// <inheritdoc />
    public unsafe Tensor BackwardChannels(RasterInputs inputs, ProjectionParams camera, RasterForward forward, Tensor gradColors)
    {
        ArgumentNullException.ThrowIfNull(inputs); ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(forward); ArgumentNullException.ThrowIfNull(gradColors);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var saved = SavedState(forward);
        var n = inputs.Count;
        var c = saved.Channels;
        if (saved.Count != n || saved.Width != camera.Width || saved.Height != camera.Height)
            throw new ArgumentException("Inputs/camera differ from those of the forward pass.", nameof(forward));
        using var scope = NewDisposeScope();
        var gC = PrepGrad(gradColors, nameof(gradColors), camera.Height, camera.Width, c);
        var gColors = empty(new long[] { n, c }, ScalarType.Float32);
        var cam = ToNative(camera);
        var ctx = RentContext();
        try
        {
            NativeMethods.Check(NativeMethods.BackwardChannels(ctx, saved.Handle, &cam, n, c, Ptr(gC), Ptr(gColors)), "native BackwardChannels");
        }
        finally
        {
            ReturnContext(ctx);
        }
        return gColors.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public unsafe void AccumulateWeights(RasterInputs inputs, ProjectionParams camera, Tensor weightSums)
    {
        ArgumentNullException.ThrowIfNull(inputs); ArgumentNullException.ThrowIfNull(camera); ArgumentNullException.ThrowIfNull(weightSums);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var n = inputs.Count;
        ValidateGeometry(inputs, n);
        RequireInPlace(weightSums, nameof(weightSums), n, null);
        using var scope = NewDisposeScope();
        var means = Prep(inputs.Means, "Means"); var scales = Prep(inputs.Scales, "Scales");
        var quats = Prep(inputs.Quats, "Quats"); var opac = Prep(inputs.Opacities, "Opacities");
        var cam = ToNative(camera);
        var ctx = RentContext();
        try
        {
            var rc = NativeMethods.Unproject(ctx, &cam, n, 0, Ptr(means), Ptr(scales), Ptr(quats), Ptr(opac), IntPtr.Zero, IntPtr.Zero, Ptr(weightSums));
            NativeMethods.Check(rc, "native AccumulateWeights");
        }
        finally
        {
            ReturnContext(ctx);
        }
    }

    /// <inheritdoc />
    public unsafe void Unproject(RasterInputs inputs, ProjectionParams camera, Tensor pixelFeatures, Tensor featureSums, Tensor weightSums)
    {
        ArgumentNullException.ThrowIfNull(inputs); ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(pixelFeatures); ArgumentNullException.ThrowIfNull(featureSums); ArgumentNullException.ThrowIfNull(weightSums);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var n = inputs.Count;
        ValidateGeometry(inputs, n);
        if (pixelFeatures.dim() != 3 || pixelFeatures.shape[0] != camera.Height || pixelFeatures.shape[1] != camera.Width)
            throw new ArgumentException($"pixelFeatures must be H×W×C = {camera.Height}×{camera.Width}×C, got [{string.Join(",", pixelFeatures.shape)}].", nameof(pixelFeatures));
        var c = (int)pixelFeatures.shape[2];
        if (c < 1) throw new ArgumentException("pixelFeatures must have at least one channel.", nameof(pixelFeatures));
        RequireInPlace(featureSums, nameof(featureSums), n, c);
        RequireInPlace(weightSums, nameof(weightSums), n, null);
        using var scope = NewDisposeScope();
        var means = Prep(inputs.Means, "Means"); var scales = Prep(inputs.Scales, "Scales");
        var quats = Prep(inputs.Quats, "Quats"); var opac = Prep(inputs.Opacities, "Opacities");
        var feats = Prep(pixelFeatures, nameof(pixelFeatures));
        var cam = ToNative(camera);
        var ctx = RentContext();
        try
        {
            var rc = NativeMethods.Unproject(ctx, &cam, n, c, Ptr(means), Ptr(scales), Ptr(quats), Ptr(opac), Ptr(feats),
                Ptr(featureSums), Ptr(weightSums));
            NativeMethods.Check(rc, "native Unproject");
        }
        finally
        {
            ReturnContext(ctx);
        }
    }

    /// <summary>
    /// Inria-convention SH colours: max(Σ sh_k·basis_k(dir) + 0.5, 0) with dir = normalize(mean − camera centre).
    /// <paramref name="sh"/> is N×K×3; the first (degree+1)² coefficients are used. Returns N×3.
    /// </summary>
    internal static unsafe Tensor EvaluateSh(Tensor means, Tensor sh, int degree, (double X, double Y, double Z) cameraCenter)
    {
        var (n, k) = ValidateSh(means, sh, degree);
        using var scope = NewDisposeScope();
        var m = Prep(means, nameof(means)); var s = Prep(sh, nameof(sh));
        var rgb = empty(new long[] { n, 3 }, ScalarType.Float32);
        var cp = stackalloc float[3] { (float)cameraCenter.X, (float)cameraCenter.Y, (float)cameraCenter.Z };
        NativeMethods.Check(NativeMethods.ShForward(0, n, k, degree, Ptr(m), Ptr(s), cp, Ptr(rgb)), "SH forward");
        return rgb.MoveToOuterDisposeScope();
    }

    /// <summary>Backward of <see cref="EvaluateSh"/>: gradients w.r.t. sh (N×K×3, zero beyond the degree) and means (N×3).</summary>
    internal static unsafe (Tensor GradSh, Tensor GradMeans) EvaluateShBackward(Tensor means, Tensor sh, int degree,
        (double X, double Y, double Z) cameraCenter, Tensor gradRgb)
    {
        var (n, k) = ValidateSh(means, sh, degree);
        if (gradRgb.dim() != 2 || gradRgb.shape[0] != n || gradRgb.shape[1] != 3)
            throw new ArgumentException($"gradRgb must be N×3 = {n}×3, got [{string.Join(",", gradRgb.shape)}].", nameof(gradRgb));
        using var scope = NewDisposeScope();
        var m = Prep(means, nameof(means)); var s = Prep(sh, nameof(sh)); var g = Prep(gradRgb, nameof(gradRgb));
        var gSh = empty(new long[] { n, k, 3 }, ScalarType.Float32);
        var gM = empty(new long[] { n, 3 }, ScalarType.Float32);
        var cp = stackalloc float[3] { (float)cameraCenter.X, (float)cameraCenter.Y, (float)cameraCenter.Z };
        NativeMethods.Check(NativeMethods.ShBackward(0, n, k, degree, Ptr(m), Ptr(s), cp, Ptr(g), Ptr(gSh), Ptr(gM)), "SH backward");
        return (gSh.MoveToOuterDisposeScope(), gM.MoveToOuterDisposeScope());
    }

    private static (long N, int K) ValidateSh(Tensor means, Tensor sh, int degree)
    {
        if (degree is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(degree), $"SH degree must be 0..3, got {degree}.");
        if (means.dim() != 2 || means.shape[1] != 3) throw new ArgumentException($"means must be N×3, got [{string.Join(",", means.shape)}].", nameof(means));
        var n = means.shape[0];
        if (sh.dim() != 3 || sh.shape[0] != n || sh.shape[2] != 3)
            throw new ArgumentException($"sh must be N×K×3 with N={n}, got [{string.Join(",", sh.shape)}].", nameof(sh));
        var k = (int)sh.shape[1];
        if (k < (degree + 1) * (degree + 1)) throw new ArgumentException($"sh has {k} coefficients, degree {degree} needs {(degree + 1) * (degree + 1)}.", nameof(sh));
        return (n, k);
    }

    private static long ValidateInputs(RasterInputs inputs, out int channels)
    {
        var n = inputs.Count;
        ValidateGeometry(inputs, n);
        var col = inputs.Colors;
        if (col.dim() != 2 || col.shape[0] != n || col.shape[1] < 1)
            throw new ArgumentException($"Colors must be N×C with N={n}, C≥1, got [{string.Join(",", col.shape)}].", nameof(inputs));
        channels = (int)col.shape[1];
        return n;
    }

    private static void ValidateGeometry(RasterInputs inputs, long n)
    {
        static void Shape(Tensor t, string name, long n, long? cols)
        {
            var ok = cols is null ? t.dim() == 1 && t.shape[0] == n : t.dim() == 2 && t.shape[0] == n && t.shape[1] == cols;
            if (!ok) throw new ArgumentException($"{name} must be {(cols is null ? $"[{n}]" : $"[{n},{cols}]")}, got [{string.Join(",", t.shape)}].", nameof(inputs));
        }
        if (inputs.Means.dim() != 2 || inputs.Means.shape[1] != 3)
            throw new ArgumentException($"Means must be N×3, got [{string.Join(",", inputs.Means.shape)}].", nameof(inputs));
        Shape(inputs.Scales, "Scales", n, 3);
        Shape(inputs.Quats, "Quats", n, 4);
        Shape(inputs.Opacities, "Opacities", n, null);
    }

    /// <summary>Float32 CPU contiguous view of <paramref name="t"/> (the tensor itself when it already is one).</summary>
    private static Tensor Prep(Tensor t, string name)
    {
        if (t.device_type != DeviceType.CPU) throw new ArgumentException($"Tensor '{name}' must be on the CPU for the native backend, got {t.device}.", name);
        if (t.dtype != ScalarType.Float32) throw new ArgumentException($"Tensor '{name}' must be float32, got {t.dtype}.", name);
        return t.is_contiguous() ? t : t.contiguous();
    }

    private static Tensor PrepGrad(Tensor t, string name, long h, long w, long? c)
    {
        var ok = c is null ? t.dim() == 2 && t.shape[0] == h && t.shape[1] == w
                           : t.dim() == 3 && t.shape[0] == h && t.shape[1] == w && t.shape[2] == c;
        if (!ok) throw new ArgumentException($"{name} must be {(c is null ? $"{h}×{w}" : $"{h}×{w}×{c}")}, got [{string.Join(",", t.shape)}].", name);
        return Prep(t.detach(), name);
    }

    private static void RequireInPlace(Tensor t, string name, long n, long? c)
    {
        var ok = c is null ? t.dim() == 1 && t.shape[0] == n : t.dim() == 2 && t.shape[0] == n && t.shape[1] == c;
        if (!ok) throw new ArgumentException($"{name} must be {(c is null ? $"[{n}]" : $"[{n},{c}]")}, got [{string.Join(",", t.shape)}].", name);
        if (t.device_type != DeviceType.CPU || t.dtype != ScalarType.Float32 || !t.is_contiguous())
            throw new ArgumentException($"{name} is updated in place and must be a contiguous float32 CPU tensor.", name);
    }

    private static IntPtr Ptr(Tensor t) => t.numel() == 0 ? IntPtr.Zero : NativeMethods.DataPointer(t);

    /// <summary>The projection value as the C struct (a copy, nothing derived).</summary>
    private static unsafe NativeCamera ToNative(ProjectionParams p)
    {
        var cam = new NativeCamera
        {
            Width = p.Width, Height = p.Height, Fx = p.Fx, Fy = p.Fy, Cx = p.Cx, Cy = p.Cy,
            NearPlane = p.Near, FarPlane = p.Far, LowPass = p.LowPass,
            LimXp = p.LimXp, LimXn = p.LimXn, LimYp = p.LimYp, LimYn = p.LimYn,
        };
        for (var i = 0; i < 12; i++) cam.ViewMatrix[i] = p.View[i];
        return cam;
    }

    private IntPtr RentContext()
    {
        if (_contexts.TryTake(out var ctx)) return ctx;
        ctx = NativeMethods.ContextCreate(_threads, _flags);
        if (ctx == IntPtr.Zero) throw new OutOfMemoryException("libcoseg_native: could not create a context.");
        return ctx;
    }

    private void ReturnContext(IntPtr ctx)
    {
        if (_disposed || _contexts.Count >= MaxPooled) NativeMethods.ContextDestroy(ctx);
        else _contexts.Add(ctx);
    }

    private IntPtr RentState()
    {
        if (_states.TryTake(out var st)) return st;
        st = NativeMethods.StateCreate();
        if (st == IntPtr.Zero) throw new OutOfMemoryException("libcoseg_native: could not create a state.");
        return st;
    }

    /// <summary>Takes back a state handle (reused: its buffers stay allocated) or frees it.</summary>
    internal void ReturnState(IntPtr state)
    {
        if (_disposed || _states.Count >= MaxPooled) NativeMethods.StateDestroy(state);
        else _states.Add(state);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        while (_contexts.TryTake(out var ctx)) NativeMethods.ContextDestroy(ctx);
        while (_states.TryTake(out var st)) NativeMethods.StateDestroy(st);
    }
}
