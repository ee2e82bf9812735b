using CoSeg.Gaussians;
using CoSeg.Rendering;
using CoSeg.Rendering.Ilgpu;
using CoSeg.Rendering.Reference;
using CoSeg.Tests.Native;
using static TorchSharp.torch;

namespace CoSeg.Tests.Rendering;

/// <summary>
/// The per-pixel top contributor (picking) of the native and ILGPU backends against the dense reference: exact Gaussian
/// indices wherever the reference's largest weight is unambiguous, weights to 1e-4 everywhere.
/// </summary>
public class TopContributorTests
{
    private static IRasterizerBackend Backend(string name) => TestBackends.Get(name);

    [Theory]
    [InlineData("native", 64, 64, 300, 1)]
    [InlineData("native-baseline", 53, 37, 200, 2)]
    [InlineData("ilgpu", 64, 64, 300, 3)]
    [InlineData("ilgpu-group", 53, 37, 200, 4)]
    public void Matches_reference(string backend, int w, int h, int n, int seed)
    {
        using var scope = NewDisposeScope();
        var cam = RasterTestScenes.Camera(w, h);
        var inputs = RasterTestScenes.Random(n, 1, seed);
        var settings = new RasterSettings();
        using var expected = new ReferenceRasterizer().TopContributor(inputs, cam, settings);
        using var actual = Backend(backend).TopContributor(inputs, cam, settings);
        Assert.Equal(new long[] { h, w }, actual.Index.shape);
        Assert.Equal(ScalarType.Int32, actual.Index.dtype);

        // Which pixels have an unambiguous winner: the reference's best weight beats its runner-up by > 1e-3.
        var dense = ReferenceRasterizer.Compute(inputs, ProjectionParams.Create(cam, settings), null);
        var top2 = dense.Weights.topk(2, dim: 1).values;
        var clear = (top2[.., 0] - top2[.., 1]).gt(1e-3).reshape(h, w);
        int clearCount = clear.sum().item<long>() is var c ? (int)c : 0;
        var covered = expected.Index.ge(0);
        Assert.True(covered.sum().item<long>() > w * h / 3, "the scene must cover a good part of the image");
        Assert.True(clearCount > w * h / 3, $"only {clearCount} unambiguous pixels");

        var mismatch = actual.Index.ne(expected.Index).logical_and(clear);
        Assert.True(mismatch.sum().item<long>() == 0, $"{backend}: {mismatch.sum().item<long>()} of {clearCount} unambiguous pixels pick another Gaussian");
        Assert.True(actual.Index.ge(0).eq(covered).all().item<bool>(), $"{backend}: covered pixels differ from the reference");
        double maxErr = (actual.Weight - expected.Weight).abs().max().item<float>();
        Assert.True(maxErr < 1e-4, $"{backend}: weight error {maxErr}");
    }

    [Fact]
    public void Public_api_picks_the_front_gaussian_and_reports_none_on_empty_pixels()
    {
        using var scope = NewDisposeScope();
        // Two opaque discs on the optical axis: index 1 is nearer; index 2 is off to the right and alone.
        var means = tensor(new float[] { 0, 0, 4, 0, 0, 2, 0.6f, 0, 2 }, 3, 3);
        var logScales = full(3, 3, MathF.Log(0.15f));
        var rot = tensor(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 }, 3, 4);
        var opac = full(3, 4f);
        var sh = zeros(3, 1, 3);
        using var scene = new GaussianScene(means, logScales, rot, opac, sh);
        var cam = RasterTestScenes.Camera(64, 48);
        foreach (var backend in new[] { "reference", "ilgpu", "native" })
        {
            using var r = Rasterizer.RenderTopContributor(scene, cam, new RenderOptions { Backend = backend });
            var (x0, y0) = ((int)cam.Cx, (int)cam.Cy);
            Assert.Equal(1, r.At(x0, y0).Gaussian);
            Assert.True(r.At(x0, y0).Weight > 0.9f, backend);
            var (u, v, _) = cam.Project(0.6, 0, 2);
            Assert.Equal(2, r.At((int)u, (int)v).Gaussian);
            Assert.Equal(-1, r.At(0, 0).Gaussian);
            Assert.Equal(0f, r.At(0, 0).Weight);
        }
    }
}
