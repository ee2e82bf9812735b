using CoSeg.Features;
using static TorchSharp.torch;

namespace CoSeg.Tests.Features;

public class BuiltinFeatureExtractorTests
{
    [Fact]
    public void ConstantImageHasOpponentColourAndNoTexture()
    {
        var fx = new BuiltinFeatureExtractor();
        using var img = full(12, 10, 3, 0f);
        img[TensorIndex.Ellipsis, 0] = 0.8f; img[TensorIndex.Ellipsis, 1] = 0.4f; img[TensorIndex.Ellipsis, 2] = 0.1f;
        using var f = fx.Extract(img);
        Assert.Equal(new long[] { fx.Channels, 12, 10 }, f.shape);
        float[] opp = { (0.8f + 0.4f + 0.1f) / 3, 0.8f - 0.4f, (0.8f + 0.4f) / 2 - 0.1f };
        for (int c = 0; c < 3; c++) Assert.True(allclose(f[c], full(12, 10, opp[c]), 1e-5, 1e-5));
        // per scale: mean (3, = colour), std (3, ≈ 0), gradient magnitude and orientation (3, ≈ 0)
        for (int s = 0; s < 3; s++)
        {
            int b = 3 + 9 * s;
            for (int c = 0; c < 3; c++) Assert.True(allclose(f[b + c], full(12, 10, opp[c]), 1e-5, 1e-5));
            for (int c = 3; c < 9; c++) Assert.True(f[b + c].abs().max().item<float>() < 1e-3f);
        }
    }

    [Fact]
    public void VerticalEdgeGivesHorizontalGradientAndIsTranslationInvariant()
    {
        var fx = new BuiltinFeatureExtractor(new BuiltinFeatureOptions { Radii = new[] { 1 } });
        using var img = zeros(20, 20, 3);
        img[TensorIndex.Colon, TensorIndex.Slice(10, null)] = 1f;
        using var f = fx.Extract(img);
        // magnitude peaks at the edge; cos 2θ ≈ +|g| for a horizontal gradient, sin 2θ ≈ 0
        float mag = f[9, 10, 10].item<float>(), cos2 = f[10, 10, 10].item<float>(), sin2 = f[11, 10, 10].item<float>();
        Assert.True(mag > 0.05f);
        Assert.Equal(mag, cos2, 3);
        Assert.Equal(0f, sin2, 4);
        using var shifted = zeros(20, 20, 3);
        shifted[TensorIndex.Colon, TensorIndex.Slice(12, null)] = 1f;
        using var f2 = fx.Extract(shifted);
        Assert.True(allclose(f[TensorIndex.Colon, TensorIndex.Slice(4, 16), TensorIndex.Slice(4, 16)],
                             f2[TensorIndex.Colon, TensorIndex.Slice(4, 16), TensorIndex.Slice(6, 18)], 1e-5, 1e-5));
    }

    [Fact]
    public void RejectsBadInput()
    {
        var fx = new BuiltinFeatureExtractor();
        Assert.Throws<ArgumentException>(() => fx.Extract(zeros(4, 4)));
        Assert.Throws<ArgumentException>(() => new BuiltinFeatureExtractor(new BuiltinFeatureOptions { Radii = Array.Empty<int>() }));
    }
}
