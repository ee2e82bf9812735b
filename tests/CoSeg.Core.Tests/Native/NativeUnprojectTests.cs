using CoSeg.Rendering;
using static CoSeg.Tests.Native.NativeTestScenes;
using static TorchSharp.torch;

namespace CoSeg.Tests.Native;

/// <summary>Feature unprojection against Σ_p w_gp F_p computed from the reference's blend weights.</summary>
public class NativeUnprojectTests
{
    [Theory]
    [InlineData(64, 64, 5, false)]
    [InlineData(37, 53, 64, true)]
    public void UnprojectMatchesReferenceWeightsAndAccumulates(int w, int h, int c, bool baseline)
    {
        using var scope = NewDisposeScope();
        var dcam = Camera(w, h, 31);
        var scene = NativeTestScenes.Random(200, 1, 31, dcam);
        var reference = DenseReference.Render(scene, dcam);
        var rng = new Random(5);
        var feats = Enumerable.Range(0, w * h * c).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var expF = new double[scene.N * c];
        var expW = new double[scene.N];
        for (var p = 0; p < w * h; p++)
            for (var k = 0; k < reference.Blended[p].Count; k++)
            {
                int g = reference.Blended[p][k]; var wt = reference.Weights[p][k];
                expW[g] += wt;
                for (var ch = 0; ch < c; ch++) expF[g * c + ch] += wt * feats[p * c + ch];
            }
        var fs = zeros(scene.N, c);
        var ws = zeros(scene.N);
        var backend = NativeBackends.Get(baseline);
        var inputs = Inputs(scene);
        backend.Unproject(inputs, ToCamera(dcam), new RasterSettings(), T(feats, h, w, c), fs, ws);
        Assert.True(RelErr(D(fs), expF) < 1e-4, $"feature sums rel err {RelErr(D(fs), expF)}");
        Assert.True(RelErr(D(ws), expW) < 1e-4, $"weight sums rel err {RelErr(D(ws), expW)}");
        backend.Unproject(inputs, ToCamera(dcam), new RasterSettings(), T(feats, h, w, c), fs, ws);
        Assert.True(RelErr(D(ws), expW.Select(v => 2 * v).ToArray()) < 1e-4, "second view must add to the sums");
    }
}
