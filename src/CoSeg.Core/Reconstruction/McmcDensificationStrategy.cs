using CoSeg.Gaussians;
using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>Settings of <see cref="McmcDensificationStrategy"/> (defaults: gsplat's MCMCStrategy and trainer).</summary>
public sealed record McmcOptions
{
    /// <summary>Largest number of Gaussians (the budget); the scene grows by ≤ 5 % per refinement until it is reached.</summary>
    public long MaxGaussians { get; init; } = 1_000_000;
    /// <summary>Gaussians with opacity ≤ this are dead and get relocated (0.005).</summary>
    public double MinOpacity { get; init; } = 0.005;
    /// <summary>Position-noise scale, multiplied by the current position learning rate (5e5).</summary>
    public double NoiseLr { get; init; } = 5e5;
    /// <summary>Weight of the L1 regulariser on opacities, mean σ(logit) (0.01).</summary>
    public double OpacityRegularizer { get; init; } = 0.01;
    /// <summary>Weight of the L1 regulariser on scales, mean exp(log-scale) (0.01).</summary>
    public double ScaleRegularizer { get; init; } = 0.01;
    /// <summary>First refinement iteration (reference 500; scaled by <see cref="ReconstructOptions.ScheduleScale"/>).</summary>
    public int RefineFrom { get; init; } = 500;
    /// <summary>Refinement stops at this iteration (reference 25 000; scaled).</summary>
    public int RefineUntil { get; init; } = 25_000;
    /// <summary>Refine (relocate, then add) every this many iterations (reference 100; scaled).</summary>
    public int RefineInterval { get; init; } = 100;
    /// <summary>Growth per refinement (1.05 = 5 %).</summary>
    public double GrowthFactor { get; init; } = 1.05;
}

/// <summary>
/// "3D Gaussian Splatting as Markov Chain Monte Carlo" (Kheradmand et al. 2024), after gsplat's MCMCStrategy: a fixed
/// budget (<see cref="McmcOptions.MaxGaussians"/>); every refinement, dead Gaussians (opacity ≤ threshold) are moved
/// onto live ones sampled by opacity, and new ones are added the same way up to the budget; the sampled Gaussian and
/// its copies share its opacity and scale so the rendered sum is preserved (opacity 1 − (1 − o)^(1/n), scale by the
/// binomial formula of the paper's Eq. 9). Every step adds noise to the positions, scaled by the position learning
/// rate, the Gaussian's covariance and (1 − opacity) through a steep sigmoid; opacity and scale get L1 regularisers.
/// </summary>
public sealed class McmcDensificationStrategy : IDensificationStrategy
{
    private const int MaxRatio = 51;
    private static readonly double[,] Binomials = BinomialTable(MaxRatio);

    /// <summary>A strategy with <paramref name="options"/> (null = defaults).</summary>
    public McmcDensificationStrategy(McmcOptions? options = null)
    {
        Options = options ?? new McmcOptions();
        if (Options.MaxGaussians < 1) throw new ArgumentOutOfRangeException(nameof(options), "McmcOptions.MaxGaussians must be ≥ 1.");
        if (!(Options.MinOpacity is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(options), "McmcOptions.MinOpacity must be in (0,1).");
        if (!(Options.GrowthFactor >= 1)) throw new ArgumentOutOfRangeException(nameof(options), "McmcOptions.GrowthFactor must be ≥ 1.");
        if (Options.RefineInterval < 1) throw new ArgumentOutOfRangeException(nameof(options), "McmcOptions.RefineInterval must be ≥ 1.");
    }

    /// <summary>The settings.</summary>
    public McmcOptions Options { get; }

    /// <inheritdoc />
    public string Name => "mcmc";

    /// <inheritdoc />
    public long? MaxGaussians => Options.MaxGaussians;

    /// <summary>Gaussians relocated by the last refinement (for tests and logs).</summary>
    public long LastRelocated { get; private set; }

    /// <summary>Gaussians added by the last refinement.</summary>
    public long LastAdded { get; private set; }

    void IDensificationStrategy.Begin(StrategyContext c)
    {
        // An initial scene over the budget keeps its most opaque Gaussians.
        long n = c.Scene.Count, max = Options.MaxGaussians;
        if (n <= max) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var order = c.Scene.OpacityLogits.argsort(descending: true);
        var keep = zeros(n, dtype: ScalarType.Bool);
        keep.index_put_(tensor(true), order[..(int)max]);
        Densifier.Apply(c.Scene, c.Adam, keep, null, 0);
        c.Stats.Reset(c.Scene.Count);
    }

    bool IDensificationStrategy.WantsStatistics(StrategyContext context, int iteration) => false;

    double IDensificationStrategy.AddRegularizerGradients(StrategyContext c, Tensor gradLogScales, Tensor gradOpacityLogits)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double n = Math.Max(1, c.Scene.Count), added = 0;
        if (Options.OpacityRegularizer > 0)
        {
            var o = c.Scene.OpacityLogits.sigmoid();
            added += Options.OpacityRegularizer * o.mean().item<float>();
            gradOpacityLogits.add_(o * (1 - o), alpha: Options.OpacityRegularizer / n);
        }
        if (Options.ScaleRegularizer > 0)
        {
            var s = c.Scene.LogScales.exp();
            added += Options.ScaleRegularizer * s.mean().item<float>();
            gradLogScales.add_(s, alpha: Options.ScaleRegularizer / (3 * n));
        }
        return added;
    }

    void IDensificationStrategy.AfterStep(StrategyContext c, int it)
    {
        var o = c.Options;
        int from = o.Scaled(Options.RefineFrom), until = o.Scaled(Options.RefineUntil), every = o.Scaled(Options.RefineInterval);
        if (it < until && it > from && it % every == 0 && it < o.Iterations)
        {
            LastRelocated = Relocate(c.Scene, c.Adam, c.Generator);
            LastAdded = Add(c.Scene, c.Adam, c.Generator);
            c.Stats.Reset(c.Scene.Count);
            c.LastReport = new DensifyReport(LastAdded, 0, 0, c.Scene.Count);
        }
        InjectNoise(c.Scene, c.Adam[GaussianAdam.Means] * Options.NoiseLr, c.Generator);
    }

    /// <summary>Moves every dead Gaussian onto a live one sampled by opacity; returns how many moved.</summary>
    internal long Relocate(GaussianScene scene, GaussianAdam? adam, Generator? generator)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var opac = scene.OpacityLogits.sigmoid();
        var dead = opac.le(Options.MinOpacity);
        long nDead = dead.sum().item<long>();
        if (nDead == 0 || nDead == scene.Count) return 0;
        var alive = dead.logical_not().nonzero().flatten();
        var sampled = alive[multinomial(opac[alive], nDead, replacement: true, generator: generator)];
        var deadIdx = dead.nonzero().flatten();
        ShareAmongCopies(scene, sampled, scene.Count);
        // The dead rows become copies of their (updated) sources; both start with fresh moments.
        foreach (var p in GaussianAdam.Parameters(scene)) p.index_copy_(0, deadIdx, p.index_select(0, sampled));
        if (adam is not null)
        {
            adam.ZeroRows(sampled);
            adam.ZeroRows(deadIdx);
        }
        return nDead;
    }

    /// <summary>Adds up to <see cref="McmcOptions.GrowthFactor"/>× the count (capped by the budget), sampled by opacity.</summary>
    internal long Add(GaussianScene scene, GaussianAdam? adam, Generator? generator)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long n = scene.Count;
        long target = Math.Min(Options.MaxGaussians, (long)(Options.GrowthFactor * n));
        long nNew = Math.Max(0, target - n);
        if (nNew == 0) return 0;
        var opac = scene.OpacityLogits.sigmoid();
        var sampled = multinomial(opac, nNew, replacement: true, generator: generator);
        ShareAmongCopies(scene, sampled, n);
        if (adam is not null) adam.ZeroRows(sampled);
        var p = GaussianAdam.Parameters(scene);
        var added = p.Select(t => t.index_select(0, sampled)).ToArray();
        Densifier.Apply(scene, adam, ones(n, dtype: ScalarType.Bool), added, nNew);
        return nNew;
    }

    /// <summary>
    /// Each sampled Gaussian will exist (copies + 1) times: gives it the opacity and scale that keep the rendered
    /// contribution (Eq. 9 of the paper).
    /// </summary>
    private void ShareAmongCopies(GaussianScene scene, Tensor sampled, long n)
    {
        var counts = bincount(sampled, minlength: n);
        var ratios = (counts.index_select(0, sampled) + 1).clamp_max(MaxRatio).to_type(ScalarType.Int32);
        var oldOpac = scene.OpacityLogits.index_select(0, sampled).sigmoid().to_type(ScalarType.Float64);
        var r = ratios.data<int>().ToArray();
        var o = oldOpac.data<double>().ToArray();
        var newOpac = new double[r.Length];
        var scaleFactor = new double[r.Length];
        for (int j = 0; j < r.Length; j++) (newOpac[j], scaleFactor[j]) = Relocation(o[j], r[j]);
        double eps = 1e-6;
        var no = tensor(newOpac).clamp(Math.Min(Options.MinOpacity, 1 - eps), 1 - eps);
        scene.OpacityLogits.index_copy_(0, sampled, no.logit().to_type(scene.OpacityLogits.dtype));
        var ls = scene.LogScales.index_select(0, sampled) + tensor(scaleFactor).log().unsqueeze(1).to_type(scene.LogScales.dtype);
        scene.LogScales.index_copy_(0, sampled, ls);
    }

    /// <summary>
    /// Opacity and scale multiplier of one of <paramref name="copies"/> Gaussians replacing one of opacity
    /// <paramref name="opacity"/>: o' = 1 − (1 − o)^(1/n), s' = s · o / Σᵢ₌₁ⁿ Σₖ₌₀ⁱ⁻¹ C(i−1,k) (−1)ᵏ o'^(k+1) / √(k+1).
    /// </summary>
    internal static (double Opacity, double ScaleFactor) Relocation(double opacity, int copies)
    {
        int n = Math.Clamp(copies, 1, MaxRatio);
        double o2 = 1 - Math.Pow(1 - opacity, 1.0 / n);
        double denom = 0;
        for (int i = 1; i <= n; i++)
            for (int k = 0; k <= i - 1; k++)
                denom += Binomials[i - 1, k] * ((k % 2 == 0 ? 1 : -1) / Math.Sqrt(k + 1)) * Math.Pow(o2, k + 1);
        return (o2, denom > 0 ? opacity / denom : 1);
    }

    /// <summary>Adds Σ·ε·σ(100·(1 − o − 0.995))·<paramref name="scale"/> to every mean (ε ~ N(0, I), Σ the covariance).</summary>
    internal static void InjectNoise(GaussianScene scene, double scale, Generator? generator)
    {
        long n = scene.Count;
        if (n == 0 || scale == 0) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var eps = randn(new long[] { n, 3 }, generator: generator).contiguous();
        var q = scene.Rotations.detach().to_type(ScalarType.Float32).contiguous();
        var ls = scene.LogScales.detach().to_type(ScalarType.Float32).contiguous();
        var lo = scene.OpacityLogits.detach().to_type(ScalarType.Float32).contiguous();
        var means = scene.Means;
        if (means.dtype != ScalarType.Float32 || !means.is_contiguous()) throw new InvalidOperationException("Means must be contiguous float32.");
        unsafe
        {
            float* e = (float*)Rendering.Native.NativeMethods.DataPointer(eps);
            float* qp = (float*)Rendering.Native.NativeMethods.DataPointer(q);
            float* sp = (float*)Rendering.Native.NativeMethods.DataPointer(ls);
            float* op = (float*)Rendering.Native.NativeMethods.DataPointer(lo);
            float* mp = (float*)Rendering.Native.NativeMethods.DataPointer(means);
            for (long i = 0; i < n; i++)
            {
                float o = 1f / (1f + MathF.Exp(-op[i]));
                float gate = 1f / (1f + MathF.Exp(-100f * (1f - o - 0.995f)));
                float k = (float)scale * gate;
                if (k == 0f) continue;
                float w = qp[4 * i], x = qp[4 * i + 1], y = qp[4 * i + 2], z = qp[4 * i + 3];
                float inv = 1f / MathF.Max(MathF.Sqrt(w * w + x * x + y * y + z * z), 1e-12f);
                w *= inv; x *= inv; y *= inv; z *= inv;
                // R (row-major), Σ = R diag(s²) Rᵀ, noise = Σ ε.
                float r00 = 1 - 2 * (y * y + z * z), r01 = 2 * (x * y - w * z), r02 = 2 * (x * z + w * y);
                float r10 = 2 * (x * y + w * z), r11 = 1 - 2 * (x * x + z * z), r12 = 2 * (y * z - w * x);
                float r20 = 2 * (x * z - w * y), r21 = 2 * (y * z + w * x), r22 = 1 - 2 * (x * x + y * y);
                float s0 = MathF.Exp(2 * sp[3 * i]), s1 = MathF.Exp(2 * sp[3 * i + 1]), s2 = MathF.Exp(2 * sp[3 * i + 2]);
                float e0 = e[3 * i], e1 = e[3 * i + 1], e2 = e[3 * i + 2];
                // t = diag(s²) Rᵀ ε
                float t0 = s0 * (r00 * e0 + r10 * e1 + r20 * e2);
                float t1 = s1 * (r01 * e0 + r11 * e1 + r21 * e2);
                float t2 = s2 * (r02 * e0 + r12 * e1 + r22 * e2);
                mp[3 * i] += k * (r00 * t0 + r01 * t1 + r02 * t2);
                mp[3 * i + 1] += k * (r10 * t0 + r11 * t1 + r12 * t2);
                mp[3 * i + 2] += k * (r20 * t0 + r21 * t1 + r22 * t2);
            }
        }
    }

    private static double[,] BinomialTable(int n)
    {
        var b = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            b[i, 0] = 1;
            for (int k = 1; k <= i; k++) b[i, k] = b[i - 1, k - 1] + (k <= i - 1 ? b[i - 1, k] : 0);
        }
        return b;
    }
}
