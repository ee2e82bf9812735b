using CoSeg.Gaussians;
using CoSeg.Rendering;
using CoSeg.Rendering.Ilgpu;
using CoSeg.Rendering.Reference;
using CoSeg.Tests.Native;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

/// <summary>
/// The backend operations segmentation runs on — channels-only backward, the αT-weighted transpose (unprojection and
/// label voting) and the visible set — on every backend against the dense reference and finite differences.
/// </summary>
public class SegmentationOpsTests(ITestOutputHelper output)
{
    private static IRasterizerBackend Backend(string name) => TestBackends.Get(name);

    public static TheoryData<string> Backends() => new() { "native", "native-baseline", "ilgpu", "ilgpu-group", "reference" };

    private static ProjectionParams View(int w, int h) => ProjectionParams.Create(RasterTestScenes.Camera(w, h));

    [Theory]
    [MemberData(nameof(Backends))]
    public void BackwardChannelsMatchesReferenceAutogradAndFiniteDifferences(string name)
    {
        using var scope = NewDisposeScope();
        const int w = 40, h = 31, c = 4;
        var x = RasterTestScenes.Random(160, c, 21);
        var view = View(w, h);
        var gC = randn(h, w, c, generator: new Generator(3));
        var b = Backend(name);
        using var f = b.Forward(x, view);
        var g = b.BackwardChannels(x, view, f, gC);
        var reference = new ReferenceRasterizer();
        using var fr = reference.Forward(x, view);
        using var gr = reference.Backward(x, view, fr, gC, null, null);
        double err = RasterTestScenes.RelErr(g, gr.Colors);
        Assert.True(gr.Colors.abs().max().item<float>() > 0.1f, "the gradient should not be trivially zero");
        output.WriteLine($"{name}: channels gradient rel err vs reference autograd {err:E2}");
        Assert.True(err < 1e-3, $"{name}: rel err {err}");

        // Finite differences of the float64 reference: the image is linear in the channels, so central differences are exact.
        var x64 = new RasterInputs(x.Means.to(ScalarType.Float64), x.Scales.to(ScalarType.Float64), x.Quats.to(ScalarType.Float64),
                                   x.Opacities.to(ScalarType.Float64), x.Colors.to(ScalarType.Float64));
        var g64 = gC.to(ScalarType.Float64);
        double Loss(Tensor colors) { using var r = reference.Forward(x64 with { Colors = colors }, view); return (r.Colors * g64).sum().item<double>(); }
        var rng = new Random(7);
        var visible = fr.Radii.gt(0).nonzero().reshape(-1).data<long>().ToArray();
        var fd = new List<double>(); var got = new List<double>();
        for (int k = 0; k < 12; k++)
        {
            long gi = visible[rng.Next(visible.Length)]; int ch = rng.Next(c);
            var up = x64.Colors.clone(); up[gi, ch] = up[gi, ch] + 1e-3;
            var dn = x64.Colors.clone(); dn[gi, ch] = dn[gi, ch] - 1e-3;
            fd.Add((Loss(up) - Loss(dn)) / 2e-3);
            got.Add(g[gi, ch].item<float>());
        }
        double fdErr = RasterTestScenes.RelErr(tensor(got.ToArray()), tensor(fd.ToArray()));
        Assert.True(fdErr < 1e-3, $"{name}: rel err vs finite differences {fdErr}");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void BackwardChannelsEqualsTheFullBackwardsColourGradient(string name)
    {
        // The cheap path must be the same maths as the colour part of the full backward of the same backend.
        using var scope = NewDisposeScope();
        var x = RasterTestScenes.Random(200, 3, 22);
        var view = View(48, 33);
        var gC = randn(33, 48, 3, generator: new Generator(4));
        var b = Backend(name);
        using var f1 = b.Forward(x, view);
        var cheap = b.BackwardChannels(x, view, f1, gC);
        using var f2 = b.Forward(x, view);
        using var full = b.Backward(x, view, f2, gC, null, null);
        Assert.True(RasterTestScenes.RelErr(cheap, full.Colors) < 1e-5, $"{name}: {RasterTestScenes.RelErr(cheap, full.Colors)}");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void VisibleSetWeightsAndLabelVotesMatchReference(string name)
    {
        using var scope = NewDisposeScope();
        const int w = 45, h = 37, k = 5;
        var x = RasterTestScenes.Random(220, 1, 23);
        var view = View(w, h);
        var b = Backend(name);
        var reference = new ReferenceRasterizer();
        var wts = zeros(x.Count); var wRef = zeros(x.Count);
        b.AccumulateWeights(x, view, wts);
        reference.AccumulateWeights(x, view, wRef);
        double we = RasterTestScenes.RelErr(wts, wRef);
        Assert.True(we < 1e-4, $"{name}: weights rel err {we}");
        // Visible set: the same Gaussians have weight (up to float noise on weights ~1e-6).
        var vis = wts.gt(1e-5); var visRef = wRef.gt(1e-5);
        Assert.Equal(visRef.sum().item<long>(), vis.logical_and(visRef).sum().item<long>());
        Assert.True(visRef.sum().item<long>() > 20, "some Gaussians must be visible");
        Assert.True(visRef.sum().item<long>() < x.Count, "some Gaussians must be culled or hidden");
        // Votes: the transpose of one-hot labels (what the vote method lifts).
        var labels = randint(0, k, new long[] { h, w }, generator: new Generator(5));
        var onehot = nn.functional.one_hot(labels, k).to(ScalarType.Float32).contiguous();
        var votes = zeros(x.Count, k); var votesRef = zeros(x.Count, k);
        var ws = zeros(x.Count); var wsRef = zeros(x.Count);
        b.Unproject(x, view, onehot, votes, ws);
        reference.Unproject(x, view, onehot, votesRef, wsRef);
        double ve = RasterTestScenes.RelErr(votes, votesRef);
        Assert.True(ve < 1e-4, $"{name}: votes rel err {ve}");
        // Closed form: one-hot rows sum to 1, so every Gaussian's votes sum to its weight.
        Assert.True(RasterTestScenes.RelErr(votes.sum(1), ws) < 1e-4);
    }

    [Theory]
    [InlineData("native")]
    [InlineData("ilgpu")]
    [InlineData("reference")]
    public void FrozenGeometryRenderBackpropagatesToChannelsOnly(string name)
    {
        using var scope = NewDisposeScope();
        var x = RasterTestScenes.Random(150, 3, 24);
        using var scene = new GaussianScene(x.Means.clone(), x.Scales.log(), x.Quats.clone(), x.Opacities.logit(), zeros(x.Count, 1, 3));
        using var geo = new FrozenGeometry(scene, name);
        var view = geo.View(RasterTestScenes.Camera(40, 30));
        var channels = x.Colors.clone().requires_grad_(true);
        var gC = randn(30, 40, 3, generator: new Generator(6));
        var (image, alpha) = geo.Render(channels, view);
        (image * gC).sum().backward();
        var reference = new ReferenceRasterizer();
        var pv = ProjectionParams.Create(RasterTestScenes.Camera(40, 30));
        using var fr = reference.Forward(x, pv);
        using var gr = reference.Backward(x, pv, fr, gC, null, null);
        Assert.True(RasterTestScenes.RelErr(image, fr.Colors) < 1e-4);
        Assert.True(RasterTestScenes.RelErr(alpha, fr.Alpha) < 1e-4);
        Assert.True(RasterTestScenes.RelErr(channels.grad!, gr.Colors) < 1e-3, $"{name}: {RasterTestScenes.RelErr(channels.grad!, gr.Colors)}");
    }

    [Fact]
    public void RegistryListsEveryBackendAndRejectsUnknownNames()
    {
        var names = Rasterizer.Backends.Select(b => b.Name).ToArray();
        Assert.Equal(new[] { "native", "ilgpu", "reference" }, names);
        Assert.All(Rasterizer.Backends, b => Assert.False(string.IsNullOrWhiteSpace(b.Description)));
        Assert.Equal(RasterizerBackends.NativeAvailable(), Rasterizer.Backends[0].Available);
        var e = Assert.Throws<ArgumentException>(() => RasterizerBackends.Get("cuda-magic"));
        Assert.Contains("Unknown rasterizer backend 'cuda-magic'", e.Message);
        Assert.Contains("native", e.Message);
        Assert.Equal("native", RasterizerBackends.Resolve(" Native "));
    }
}
