using CoSeg.Rendering;
using static CoSeg.Tests.Native.NativeTestScenes;
using static TorchSharp.torch;

namespace CoSeg.Tests.Native;

/// <summary>
/// Native gradients against central finite differences of the double-precision reference, with the blending lists
/// frozen at the base point (the rasterizer's gradient is that of the function with its discrete decisions fixed).
/// </summary>
public class NativeBackwardTests
{
    private sealed record Loss(double[] GC, double[] GA, double[] GD);

    private static Loss RandomLoss(int w, int h, int c, int seed)
    {
        var rng = new Random(seed + 100);
        double[] R(int n) => Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        return new Loss(R(w * h * c), R(w * h), R(w * h).Select(v => 0.1 * v).ToArray());
    }

    private static double Eval(DScene s, DCamera cam, List<int>[] lists, double[] bg, Loss l)
    {
        var img = DenseReference.RenderFrozen(s, cam, lists, bg);
        double v = 0;
        for (var i = 0; i < img.Colors.Length; i++) v += img.Colors[i] * l.GC[i];
        for (var i = 0; i < img.Alpha.Length; i++) v += img.Alpha[i] * l.GA[i] + img.Depth[i] * l.GD[i];
        return v;
    }

    private static readonly string[] Names = { "Means", "Scales", "Quats", "Opacities", "Colors", "Means2d" };

    private static double[] Param(DScene s, int which) => which switch
    {
        0 => s.Means, 1 => s.Scales, 2 => s.Quats, 3 => s.Opacities, 4 => s.Colors, _ => s.Mean2dOffsets!,
    };

    private static (double[][] Grads, object? Unused) Native(DScene scene, DCamera dcam, double[] bg, Loss l, bool baseline)
    {
        using var scope = NewDisposeScope();
        var settings = new RasterSettings { Background = bg.Select(v => (float)v).ToArray() };
        var backend = NativeBackends.Get(baseline);
        var inputs = Inputs(scene);
        var cam = ToCamera(dcam);
        using var f = backend.Forward(inputs, cam, settings);
        using var g = backend.Backward(inputs, cam, settings, f, T(l.GC, dcam.H, dcam.W, scene.C), T(l.GA, dcam.H, dcam.W), T(l.GD, dcam.H, dcam.W));
        return (new[] { D(g.Means), D(g.Scales), D(g.Quats), D(g.Opacities), D(g.Colors), D(g.Means2d) }, null);
    }

    [Theory]
    [InlineData(false, 11)]
    [InlineData(true, 12)]
    public void EveryGradientEntryMatchesFiniteDifferences(bool baseline, int seed)
    {
        var dcam = Camera(29, 21, seed);
        var scene = NativeTestScenes.Random(7, 3, seed, dcam, extremes: false);
        for (var i = 0; i < scene.N; i++) for (var a = 0; a < 3; a++) scene.Scales[3 * i + a] *= 2.5;  // cover more pixels
        var bg = new[] { 0.2, 0.4, 0.6 };
        var loss = RandomLoss(dcam.W, dcam.H, 3, seed);
        var (native, _) = Native(scene, dcam, bg, loss, baseline);
        var lists = DenseReference.Render(scene, dcam, bg).Blended;
        scene.Mean2dOffsets = new double[2 * scene.N];
        const double h = 1e-6;
        for (var which = 0; which < 6; which++)
        {
            var p = Param(scene, which);
            var fd = new double[p.Length];
            for (var j = 0; j < p.Length; j++)
            {
                var keep = p[j];
                p[j] = keep + h; var up = Eval(scene, dcam, lists, bg, loss);
                p[j] = keep - h; var down = Eval(scene, dcam, lists, bg, loss);
                p[j] = keep;
                fd[j] = (up - down) / (2 * h);
            }
            var err = RelErr(native[which], fd);
            Assert.True(err < 1e-3, $"{Names[which]}: rel err {err}\nnative {string.Join(",", native[which].Take(12))}\nfd     {string.Join(",", fd.Take(12))}");
        }
    }

    [Theory]
    [InlineData(64, 64, 3, false, 21)]
    [InlineData(37, 53, 32, false, 22)]
    [InlineData(64, 64, 1, true, 23)]
    [InlineData(37, 53, 3, true, 24)]
    public void DirectionalDerivativesMatchOnLargerScenes(int w, int h, int c, bool baseline, int seed)
    {
        var dcam = Camera(w, h, seed);
        var scene = NativeTestScenes.Random(250, c, seed, dcam);
        var rng = new Random(seed);
        var bg = Enumerable.Range(0, c).Select(_ => rng.NextDouble()).ToArray();
        var loss = RandomLoss(w, h, c, seed);
        var (native, _) = Native(scene, dcam, bg, loss, baseline);
        var lists = DenseReference.Render(scene, dcam, bg).Blended;
        scene.Mean2dOffsets = new double[2 * scene.N];
        const double step = 1e-5;
        for (var which = 0; which < 6; which++)
        {
            var p = Param(scene, which);
            var keep = (double[])p.Clone();
            var dir = p.Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            double analytic = 0;
            for (var j = 0; j < p.Length; j++) analytic += native[which][j] * dir[j];
            for (var j = 0; j < p.Length; j++) p[j] = keep[j] + step * dir[j];
            var up = Eval(scene, dcam, lists, bg, loss);
            for (var j = 0; j < p.Length; j++) p[j] = keep[j] - step * dir[j];
            var down = Eval(scene, dcam, lists, bg, loss);
            Array.Copy(keep, p, p.Length);
            var fd = (up - down) / (2 * step);
            var err = Math.Abs(analytic - fd) / Math.Max(Math.Abs(fd), 1e-6);
            Assert.True(err < 1e-3, $"{Names[which]}: analytic {analytic} vs finite difference {fd} (rel {err})");
        }
    }
}
