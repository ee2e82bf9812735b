using CoSeg.Data;
using CoSeg.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Data;

public class ImageFilesTests
{
    [Fact]
    public void SavePng_ThenLoad_RoundTripsTo8Bits()
    {
        using var tmp = new TempDir();
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var rgb = torch.rand(5, 7, 3);
        ImageFiles.SavePng(rgb, tmp.File("a.png"));
        Assert.Equal((7, 5, false), ImageFiles.ReadInfo(tmp.File("a.png")));
        using var img = ImageFiles.Load(tmp.File("a.png"), new[] { 0f, 0f, 0f });
        Assert.Null(img.Alpha);
        var expected = (rgb * 255).round() / 255;
        Assert.True((img.Rgb - expected).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void AreaResize_MatchesBlockMeans_ForIntegerFactors_AndPreservesTheMean()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        var img = torch.rand(6, 8, 2);
        var small = ImageFiles.AreaResize(img, 3, 4);
        var blocks = img.reshape(3, 2, 4, 2, 2).mean(new long[] { 1, 3 });
        Assert.True((small - blocks).abs().max().item<float>() < 1e-6f);
        var odd = ImageFiles.AreaResize(img, 4, 5); // non-integer factors: still a weighted average
        Assert.Equal(img.mean().item<float>(), odd.mean().item<float>(), 5);
    }

    [Fact]
    public void MissingOrCorruptImage_IsReported()
    {
        using var tmp = new TempDir();
        Assert.Throws<FileNotFoundException>(() => ImageFiles.ReadInfo(tmp.File("none.png")));
        File.WriteAllText(tmp.File("bad.png"), "not an image");
        var e = Assert.Throws<InvalidDataException>(() => ImageFiles.Load(tmp.File("bad.png"), new[] { 1f, 1f, 1f }));
        Assert.Contains("bad.png", e.Message);
    }
}
