using CoSeg.Features;
using CoSeg.Gaussians;
using CoSeg.Geometry;
using static TorchSharp.torch;

namespace CoSeg.Tests.Features;

public class FeatureUnprojectorTests
{
    private static readonly double[] Identity = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };

    /// <summary>Two clusters of Gaussians, left (object 0) and right (object 1) of the optical axis, plus one behind the camera.</summary>
    private static (GaussianScene Scene, int[] Member) TwoClusters()
    {
        var rng = new Random(7);
        var pos = new List<float>(); var mem = new List<int>();
        for (int i = 0; i < 60; i++)
        {
            int obj = i % 2;
            pos.Add((float)((obj == 0 ? -1.0 : 1.0) + 0.3 * (rng.NextDouble() - 0.5)));
            pos.Add((float)(0.6 * (rng.NextDouble() - 0.5)));
            pos.Add((float)(4 + rng.NextDouble()));
            mem.Add(obj);
        }
        pos.AddRange(new[] { 0f, 0f, -3f }); mem.Add(-1);
        int n = mem.Count;
        var scene = new GaussianScene(tensor(pos.ToArray()).reshape(n, 3), full(n, 3, MathF.Log(0.05f)), tensor(new float[] { 1, 0, 0, 0 }).repeat(n, 1),
                                      full(n, 2f), zeros(n, 1, 3));
        return (scene, mem.ToArray());
    }

    [Fact]
    public void ConstantFeaturePerObjectIsRecoveredAndUnseenAreFlagged()
    {
        var (scene, member) = TwoClusters();
        using var _ = scene;
        var cams = new[]
        {
            new Camera(64, 32, 40, 40, 32, 16, Identity, new double[] { 0, 0, 0 }),
            new Camera(48, 24, 30, 30, 24, 12, Identity, new double[] { 0, 0.1, 0.2 }),
        };
        // feature map: (1, 2) on the left half, (−3, 5) on the right half; the second map is half resolution (upsampled)
        Tensor Map(int h, int w)
        {
            var m = zeros(2, h, w);
            m[0, TensorIndex.Colon, TensorIndex.Slice(0, w / 2)] = 1f; m[1, TensorIndex.Colon, TensorIndex.Slice(0, w / 2)] = 2f;
            m[0, TensorIndex.Colon, TensorIndex.Slice(w / 2, null)] = -3f; m[1, TensorIndex.Colon, TensorIndex.Slice(w / 2, null)] = 5f;
            return m;
        }
        using var m1 = Map(32, 64); using var m2 = Map(12, 24);
        using var un = FeatureUnprojector.Unproject(scene, cams, new[] { m1, m2 });
        Assert.Equal(1, un.UnseenCount);
        Assert.False(un.Seen[member.Length - 1]);
        Assert.Equal(0f, un.Features[member.Length - 1].abs().sum().item<float>());
        for (int i = 0; i < member.Length - 1; i++)
        {
            Assert.True(un.Seen[i]);
            float[] expect = member[i] == 0 ? new[] { 1f, 2f } : new[] { -3f, 5f };
            Assert.Equal(expect[0], un.Features[i, 0].item<float>(), 4);
            Assert.Equal(expect[1], un.Features[i, 1].item<float>(), 4);
        }
    }

    [Fact]
    public void MismatchedInputsAreRejected()
    {
        var (scene, _) = TwoClusters();
        using var s = scene;
        var cam = new Camera(8, 8, 8, 8, 4, 4, Identity, new double[] { 0, 0, 0 });
        Assert.Throws<ArgumentException>(() => FeatureUnprojector.Unproject(scene, new[] { cam }, Array.Empty<Tensor>()));
        Assert.Throws<ArgumentException>(() => FeatureUnprojector.Unproject(scene, new[] { cam }, new[] { zeros(8, 8) }));
    }
}
