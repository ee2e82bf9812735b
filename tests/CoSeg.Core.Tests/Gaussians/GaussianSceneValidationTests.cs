using CoSeg.Gaussians;
using static TorchSharp.torch;

namespace CoSeg.Tests.Gaussians;

/// <summary>The shared degenerate-Gaussian rule: each class is refused with its count and first index.</summary>
public class GaussianSceneValidationTests
{
    private static GaussianScene Scene(int n, Action<float[], float[], float[]>? edit = null)
    {
        var means = new float[n * 3]; var scales = Enumerable.Repeat(-3f, n * 3).ToArray(); var rots = new float[n * 4];
        for (int i = 0; i < n; i++) rots[i * 4] = 1;
        edit?.Invoke(means, scales, rots);
        return new GaussianScene(tensor(means, new long[] { n, 3 }), tensor(scales, new long[] { n, 3 }), tensor(rots, new long[] { n, 4 }),
                                 zeros(n), zeros(n, 1, 3));
    }

    [Fact]
    public void Valid_scene_passes()
    {
        using var s = Scene(5);
        GaussianSceneValidation.Require(s, "ok.ply");
        Assert.Null(GaussianSceneValidation.Describe(s));
    }

    [Fact]
    public void Empty_scene_is_refused()
    {
        using var s = Scene(0);
        var e = Assert.Throws<ArgumentException>(() => GaussianSceneValidation.Require(s, "empty.ply"));
        Assert.Contains("empty.ply", e.Message);
        Assert.Contains("no Gaussians", e.Message);
    }

    [Theory]
    [InlineData("quat", "zero rotation quaternion")]
    [InlineData("scale", "log-scale above 20")]
    [InlineData("position", "position beyond")]
    [InlineData("nan", "NaN or infinite")]
    public void Degenerate_gaussians_are_refused_with_count_and_first_index(string kind, string mention)
    {
        using var s = Scene(6, (m, sc, r) =>
        {
            foreach (int i in new[] { 3, 5 })
                switch (kind)
                {
                    case "quat": r[i * 4] = 0; break;
                    case "scale": sc[i * 3 + 1] = 80; break;
                    case "position": m[i * 3 + 2] = 3e38f; break;
                    default: m[i * 3] = float.NaN; break;
                }
        });
        var e = Assert.Throws<ArgumentException>(() => GaussianSceneValidation.Require(s, "bad.ply"));
        Assert.Contains("bad.ply", e.Message);
        Assert.Contains($"2 with", e.Message);
        Assert.Contains(mention, e.Message);
        Assert.Contains("first: Gaussian 3", e.Message);
    }
}
