using CoSeg.Gaussians;
using CoSeg.Reconstruction;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Reconstruction;

public sealed class ReconstructionPartsTests
{
    private static GaussianScene HandMade(float[] logScaleMax, float[] opacity)
    {
        int n = logScaleMax.Length;
        var means = arange(n * 3, dtype: ScalarType.Float32).reshape(n, 3);
        var ls = tensor(logScaleMax).unsqueeze(1).repeat(1, 3);
        ls[.., 1] = ls[.., 1] - 1f; // anisotropic: max is column 0
        var rot = zeros(n, 4); rot[.., 0] = 1f;
        var op = tensor(opacity.Select(o => (float)Math.Log(o / (1 - o))).ToArray());
        var sh = randn(n, 4, 3);
        return new GaussianScene(means, ls, rot, op, sh);
    }

    [Fact]
    public void PositionLr_IsLogLinear()
    {
        var s = new PositionLearningRate(1.6e-4, 1.6e-6, 1000);
        Assert.Equal(1.6e-4, s.At(0), 12);
        Assert.Equal(1.6e-5, s.At(500), 12); // geometric midpoint
        Assert.Equal(1.6e-6, s.At(1000), 12);
        Assert.Equal(1.6e-6, s.At(5000), 12);
    }

    [Fact]
    public void Adam_MatchesAdamFormulas_PerSlotRates()
    {
        using var scene = HandMade([0f, -1f, -2f], [0.5f, 0.5f, 0.5f]);
        using var reference = scene.Clone();
        foreach (var t in GaussianAdam.Parameters(scene)) t.requires_grad_(true);
        double[] lrs = [0.1, 0.02, 0.03, 0.04, 0.05];
        using var adam = new GaussianAdam(scene, lrs[0], lrs[1], lrs[2], lrs[3], lrs[4], 20.0, 1e-8);
        for (int step = 0; step < 3; step++)
        {
            var lossA = GaussianAdam.Parameters(scene).Select((t, i) => (t * (i + 1)).sin().sum()).Aggregate((a, b) => a + b);
            lossA.backward();
            adam.Step(scene);
        }
        // Independent: plain Adam formulas on a copy.
        var p0 = GaussianAdam.Parameters(reference).Select(t => t.detach().clone()).ToArray();
        var m = p0.Select(t => zeros_like(t)).ToArray();
        var v = p0.Select(t => zeros_like(t)).ToArray();
        for (int step = 1; step <= 3; step++)
        {
            for (int i = 0; i < 5; i++)
            {
                var g = (p0[i] * (i + 1)).cos() * (i + 1);
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                var lr = torch.full_like(p0[i], lrs[i]);
                if (i == 4) { lr[.., 1..] = lrs[4] / 20.0; }
                p0[i] = p0[i] - lr * (m[i] / (1 - Math.Pow(0.9, step))) / ((v[i] / (1 - Math.Pow(0.999, step))).sqrt() + 1e-8);
            }
        }
        var got = GaussianAdam.Parameters(scene);
        for (int i = 0; i < 5; i++)
            Assert.True(allclose(got[i].detach(), p0[i], rtol: 1e-4, atol: 1e-6), $"slot {i} differs from the Adam formulas");
    }

    [Fact]
    public void Densify_ClonesSmallSplitsLargePrunesTransparent()
    {
        // Extent 10, percent dense 0.01 → limit 0.1. Gaussian 0: small + high grad → clone. 1: large + high grad → split.
        // 2: low grad → untouched. 3: transparent → pruned.
        float small = (float)Math.Log(0.05), large = (float)Math.Log(0.5), mid = (float)Math.Log(0.05);
        using var scene = HandMade([small, large, mid, mid], [0.5f, 0.5f, 0.5f, 0.001f]);
        foreach (var t in GaussianAdam.Parameters(scene)) t.requires_grad_(true);
        using var adam = new GaussianAdam(scene, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 20, 1e-15);
        (adam.State(GaussianAdam.Means).M).fill_(7f);
        using var stats = new DensificationStats(4);
        // Pixel gradients on a 200×100 image: NDC norm = |gx·100| for (gx, 0).
        using var g2d = tensor(new float[] { 1e-5f, 0, 1e-5f, 0, 1e-7f, 0, 1e-7f, 0 }).reshape(4, 2);
        using var radii = tensor(new int[] { 3, 3, 3, 3 });
        stats.Add(g2d, radii, 200, 100);
        stats.Add(g2d, radii, 200, 100);
        Assert.Equal(1e-3, stats.AverageGrad()[0].item<float>(), 6);

        var origMean1 = scene.Means[1].clone();
        var origDc = scene.ShCoefficients.detach().clone();
        var rep = Densifier.DensifyAndPrune(scene, adam, stats,
            new Densifier.Settings(0.0002, 0.01, 10, 2, 0.005, null, null), new Generator(42));
        Assert.Equal(1, rep.Cloned);
        Assert.Equal(1, rep.Split);
        Assert.Equal(1, rep.Pruned);
        // Kept: 0, 2 (3 pruned, 1 replaced) + clone of 0 + 2 samples of 1 → 5.
        Assert.Equal(5, scene.Count);
        Assert.Equal(5, rep.Count);
        Assert.True(scene.Means.requires_grad);
        // Rows: [g0, g2, clone g0, split1 a, split1 b].
        Assert.True(scene.Means[2].eq(scene.Means[0]).all().item<bool>());
        Assert.True(scene.ShCoefficients[2].eq(origDc[0]).all().item<bool>());
        Assert.True(scene.ShCoefficients[3].eq(origDc[1]).all().item<bool>());
        var expectLog = large - (float)Math.Log(1.6);
        Assert.Equal(expectLog, scene.LogScales[3, 0].item<float>(), 5);
        Assert.Equal(expectLog, scene.LogScales[4, 0].item<float>(), 5);
        // Samples lie within a few σ of the split Gaussian's centre and differ from it.
        var d = (scene.Means[3..5] - origMean1).norm(1);
        Assert.True((d.gt(0).all()).item<bool>());
        Assert.True((d.lt(3.0)).all().item<bool>());
        // Adam moments: kept rows keep their state, new rows start at zero.
        var m = adam.State(GaussianAdam.Means).M;
        Assert.Equal(new long[] { 5, 3 }, m.shape);
        Assert.Equal(7f, m[0, 0].item<float>());
        Assert.Equal(7f, m[1, 0].item<float>());
        Assert.Equal(0f, m[2..].abs().sum().item<float>());
        // Statistics restart for the new count.
        Assert.Equal(5, stats.GradAccum.shape[0]);
        Assert.Equal(0f, stats.GradAccum.sum().item<float>());
    }

    [Fact]
    public void Densify_PrunesWorldSizeAndScreenSize_WhenEnabled()
    {
        float s = (float)Math.Log(0.05);
        using var scene = HandMade([s, (float)Math.Log(2.0), s], [0.5f, 0.5f, 0.5f]);
        using var stats = new DensificationStats(3);
        using var g2d = zeros(3, 2);
        stats.Add(g2d, tensor(new int[] { 2, 2, 50 }), 64, 64);
        var rep = Densifier.DensifyAndPrune(scene, null, stats, new Densifier.Settings(0.0002, 0.01, 10, 2, 0.005, 1.0, 20), null);
        Assert.Equal(2, rep.Pruned);
        Assert.Equal(1, scene.Count);
        Assert.Equal(0f, scene.Means[0, 0].item<float>());
    }

    [Fact]
    public void DensificationStats_IgnoreInvisible_AndTrackMaxRadius()
    {
        using var stats = new DensificationStats(2);
        stats.Add(tensor(new float[] { 1, 0, 1, 0 }).reshape(2, 2), tensor(new int[] { 0, 4 }), 10, 10);
        stats.Add(tensor(new float[] { 0, 2, 0, 2 }).reshape(2, 2), tensor(new int[] { 0, 3 }), 10, 10);
        Assert.Equal(0f, stats.GradAccum[0].item<float>());
        Assert.Equal(5f + 10f, stats.GradAccum[1].item<float>(), 4);
        Assert.Equal(2f, stats.Denom[1].item<float>());
        Assert.Equal(4f, stats.MaxRadii[1].item<float>());
        Assert.Equal(7.5f, stats.AverageGrad()[1].item<float>(), 4);
    }

    [Fact]
    public void OpacityReset_CapsAtOnePercent()
    {
        using var scene = HandMade([0f, 0f], [0.9f, 0.001f]);
        Densifier.ResetOpacity(scene, null);
        var o = scene.OpacityLogits.sigmoid();
        Assert.Equal(0.01f, o[0].item<float>(), 5);
        Assert.Equal(0.001f, o[1].item<float>(), 5);
    }

    [Fact]
    public void QuaternionToMatrix_MatchesKnownRotation()
    {
        // 90° about z: (w, z) = (cos 45°, sin 45°), unnormalised ×2.
        float c = (float)Math.Sqrt(0.5) * 2;
        using var r = Densifier.QuaternionToMatrix(tensor(new float[] { c, 0, 0, c }).reshape(1, 4));
        var expected = tensor(new float[] { 0, -1, 0, 1, 0, 0, 0, 0, 1 }).reshape(1, 3, 3);
        Assert.True(allclose(r, expected, atol: 1e-6));
    }

    [Fact]
    public void NearestNeighbors_MatchBruteForce()
    {
        var rng = new Random(3);
        int n = 2000;
        var pts = new float[n * 3];
        for (int i = 0; i < pts.Length; i++) pts[i] = (float)(rng.NextDouble() * (i % 3 == 0 ? 4 : 1));
        var got = NearestNeighbors.MeanSquaredDistances(pts, 3);
        for (int i = 0; i < n; i += 37)
        {
            var d = new List<double>();
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double dx = pts[3 * i] - pts[3 * j], dy = pts[3 * i + 1] - pts[3 * j + 1], dz = pts[3 * i + 2] - pts[3 * j + 2];
                d.Add(dx * dx + dy * dy + dz * dz);
            }
            d.Sort();
            Assert.Equal(d.Take(3).Average(), got[i], 5);
        }
    }

    [Fact]
    public void Initializer_ScalesFromNeighbours_ColoursToDc()
    {
        // Points on a line with spacing 0.5: the 3 nearest of an inner point are at 0.5, 0.5, 1.0.
        using var pts = tensor(new float[] { 0, 0, 0, 0.5f, 0, 0, 1, 0, 0, 1.5f, 0, 0, 2, 0, 0 }).reshape(5, 3);
        using var cols = full(5, 3, 0.75f);
        using var scene = GaussianInitializer.FromPoints(pts, cols, 2, 0.1);
        double expected = Math.Log(Math.Sqrt((0.25 + 0.25 + 1.0) / 3));
        Assert.Equal(expected, scene.LogScales[2, 0].item<float>(), 5);
        Assert.Equal(9, scene.ShCoefficients.shape[1]);
        Assert.Equal(0.75, scene.ShCoefficients[0, 0, 0].item<float>() * GaussianInitializer.ShC0 + 0.5, 5);
        Assert.Equal(0f, scene.ShCoefficients[.., 1..].abs().sum().item<float>());
        Assert.Equal(0.1f, scene.OpacityLogits.sigmoid()[0].item<float>(), 5);
        Assert.Equal(1f, scene.Rotations[3, 0].item<float>());
    }

    [Fact]
    public void Initializer_RandomCube_IsSeededAndBounded()
    {
        using var a = GaussianInitializer.RandomInCube(500, (0, 0, 0), 1.3, 0, 5);
        using var b = GaussianInitializer.RandomInCube(500, (0, 0, 0), 1.3, 0, 5);
        Assert.True(a.Means.eq(b.Means).all().item<bool>());
        Assert.True(a.Means.abs().max().item<float>() <= 1.3f);
        Assert.True(a.Means.abs().max().item<float>() > 1.0f);
    }

    [Fact]
    public void Options_ValidateNamesTheField()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ReconstructOptions { Iterations = 0 }.Validate());
        Assert.Contains("Iterations", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new ReconstructOptions { SsimWeight = 2 }.Validate());
        Assert.Contains("SsimWeight", e.Message);
        new ReconstructOptions().Validate();
    }
}
