using CoSeg.Gaussians;
using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

/// <summary><see cref="LookAtCamera.OrbitScene"/> against a centre and radius computed here from sorted coordinates.</summary>
public sealed class OrbitSceneTests
{
    private static GaussianScene Scene(float[,] means)
    {
        int n = means.GetLength(0);
        return new GaussianScene(tensor(means), zeros(n, 3), tensor(Enumerable.Repeat(new[] { 1f, 0, 0, 0 }, n).SelectMany(q => q).ToArray(), new long[] { n, 4 }),
                                 zeros(n), zeros(n, 1, 3));
    }

    [Fact]
    public void FramesTheMedianCentre_AtDistanceTimesMedianRadius()
    {
        // Five points and one far floater: the median ignores it, a mean would not.
        var m = new float[,] { { 0, 0, 0 }, { 1, 0, 0 }, { 0, 2, 0 }, { 0, 0, 3 }, { 2, 1, 1 }, { 1000, 1000, 1000 }, { 1, 1, 1 } };
        using var scene = Scene(m);
        int n = m.GetLength(0);
        double Median(IEnumerable<double> v) { var s = v.Order().ToArray(); return s[(s.Length - 1) / 2]; }
        var c = Enumerable.Range(0, 3).Select(a => Median(Enumerable.Range(0, n).Select(i => (double)m[i, a]))).ToArray();
        double radius = Median(Enumerable.Range(0, n).Select(i =>
            Math.Sqrt(Math.Pow(m[i, 0] - c[0], 2) + Math.Pow(m[i, 1] - c[1], 2) + Math.Pow(m[i, 2] - c[2], 2))));

        var cams = LookAtCamera.OrbitScene(scene, count: 6, width: 64, height: 48, up: (0, -1, 0), distance: 2.5);
        Assert.Equal(6, cams.Count);
        foreach (var cam in cams)
        {
            var e = cam.Center;
            double d = Math.Sqrt(Math.Pow(e.X - c[0], 2) + Math.Pow(e.Y - c[1], 2) + Math.Pow(e.Z - c[2], 2));
            Assert.Equal(2.5 * radius, d, 5);
            var (u, v, depth) = cam.Project(c[0], c[1], c[2]);     // the centre is in the middle of the image
            Assert.Equal(32, u, 6);
            Assert.Equal(24, v, 6);
            Assert.True(depth > 0);
        }
        // The same cameras as the orbit around that centre and radius.
        var expected = LookAtCamera.Orbit((c[0], c[1], c[2]), 2.5 * radius, (0, -1, 0), 6, 64, 48);
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i].Center.X, cams[i].Center.X, 5);
    }

    [Fact]
    public void EmptySceneOrBadDistance_Throws()
    {
        using var empty = Scene(new float[0, 3]);
        Assert.Throws<ArgumentException>(() => LookAtCamera.OrbitScene(empty, 4, 32, 32, (0, 1, 0)));
        using var one = Scene(new float[,] { { 1, 2, 3 } });
        Assert.Throws<ArgumentOutOfRangeException>(() => LookAtCamera.OrbitScene(one, 4, 32, 32, (0, 1, 0), distance: 0));
        // A single point has no extent: the radius falls back to 3 × 1e-3.
        var cams = LookAtCamera.OrbitScene(one, 1, 32, 32, (0, 1, 0));
        var e = cams[0].Center;
        Assert.Equal(3e-3, Math.Sqrt(Math.Pow(e.X - 1, 2) + Math.Pow(e.Y - 2, 2) + Math.Pow(e.Z - 3, 2)), 6);
    }
}
