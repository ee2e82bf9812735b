using CoSeg.Features;
using CoSeg.Geometry;
using CoSeg.Segmentation;
using CoSeg.Tests.Infrastructure;
using static TorchSharp.torch;

namespace CoSeg.Tests.Features;

public class TorchScriptTests
{
    private static string Asset(string name) => Path.Combine(AppContext.BaseDirectory, "Assets", name);

    private static Tensor Image(int h, int w, int seed) => rand(new long[] { h, w, 3 }, generator: new Generator((ulong)seed));

    [Fact]
    public void FeatureExtractorMatchesPlainMaths()
    {
        using var fx = new TorchScriptFeatureExtractor(Asset("tiny_features.pt"));
        using var img = Image(8, 6, 1);
        using var got = fx.Extract(img);
        Assert.Equal(new long[] { 4, 4, 3 }, got.shape);
        // expected: normalise, fixed 1×1 linear map + bias, 2×2 average pooling (see Assets/make_assets.py)
        using var x = (img.permute(2, 0, 1) - tensor(new[] { 0.485f, 0.456f, 0.406f }).reshape(3, 1, 1)) / tensor(new[] { 0.229f, 0.224f, 0.225f }).reshape(3, 1, 1);
        using var w = tensor(new[] { 1f, 0, 0, 0, 1, 0, 0, 0, 1, 0.5f, -0.25f, 0.25f }).reshape(4, 3);
        using var y = einsum("oc,chw->ohw", w, x) + tensor(new[] { 0f, 0.1f, -0.1f, 0.2f }).reshape(4, 1, 1);
        using var pooled = y.reshape(4, 4, 2, 3, 2).mean(new long[] { 2, 4 });
        Assert.True(allclose(got, pooled, 1e-5, 1e-5));
    }

    [Fact]
    public void FeatureExtractorResizesInput()
    {
        using var fx = new TorchScriptFeatureExtractor(Asset("tiny_features.pt"), new TorchScriptFeatureOptions { InputSize = (10, 12) });
        using var img = Image(7, 9, 2);
        using var got = fx.Extract(img);
        Assert.Equal(new long[] { 4, 5, 6 }, got.shape);
    }

    [Fact]
    public void LabelSourceIsArgmaxOfModelLogits()
    {
        using var src = new TorchScriptLabelSource(Asset("tiny_segmenter.pt"));
        using var img = Image(5, 7, 3);
        var cam = new Camera(7, 5, 10, 10, 3.5, 2.5, new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 0 });
        using var labels = src.GetLabels(new SegmentationView("v", cam, img))!;
        // logits = [0.5, 2R, 2G, 2B] → argmax
        using var logits = cat(new[] { full(5, 7, 1, 0.5f), img * 2 }, 2);
        using var expect = logits.argmax(2);
        Assert.True(labels.eq(expect).all().item<bool>());
        Assert.Null(src.GetLabels(new SegmentationView("v", cam, null)));
    }

    [Fact]
    public void NonModelFileIsRejectedWithItsName()
    {
        using var dir = new TempDir();
        var bad = dir.File("not_a_model.pt");
        File.WriteAllText(bad, "this is not a TorchScript archive");
        var e = Assert.Throws<InvalidDataException>(() => new TorchScriptFeatureExtractor(bad));
        Assert.Contains("not_a_model.pt", e.Message);
        Assert.Throws<InvalidDataException>(() => new TorchScriptLabelSource(bad));
        Assert.Throws<FileNotFoundException>(() => new TorchScriptLabelSource(dir.File("missing.pt")));
    }
}
