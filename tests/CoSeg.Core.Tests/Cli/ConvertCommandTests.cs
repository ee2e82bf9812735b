using CoSeg.Gaussians;
using CoSeg.Tests.Gaussians;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Cli;

/// <summary>`coseg convert` and `coseg info --ply` on the splat formats.</summary>
public class ConvertCommandTests
{
    [Fact]
    public void Convert_PlyToSpzToSplat_AndInfoDetectsByContent()
    {
        using var tmp = new TempDir();
        using (var s = SplatFormatTests.RandomScene(300, 2)) s.SavePly(tmp.File("in.ply"));
        var r = CliRunner.Run("convert", "--in", tmp.File("in.ply"), "--out", tmp.File("a.spz"));
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("\"inFormat\":\"ply\"", r.StdOut);
        Assert.Contains("\"outFormat\":\"spz\"", r.StdOut);
        File.Move(tmp.File("a.spz"), tmp.File("a.bin"));
        r = CliRunner.Run("convert", "--in", tmp.File("a.bin"), "--out", tmp.File("b.data"), "--format", "splat");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("SH degree 2 coefficients are dropped", r.StdErr);
        r = CliRunner.Run("info", "--ply", tmp.File("b.data"));
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("\"format\":\"splat\",\"gaussians\":300,\"shDegree\":0", r.StdOut);
        using var back = GaussianSceneFile.Load(tmp.File("b.data"));
        Assert.Equal(300, back.Count);
    }

    [Fact]
    public void Convert_UnknownOutputExtension_IsAUsageError()
    {
        using var tmp = new TempDir();
        using (var s = SplatFormatTests.RandomScene(10, 0)) s.SavePly(tmp.File("in.ply"));
        var r = CliRunner.Run("convert", "--in", tmp.File("in.ply"), "--out", tmp.File("x.unknown"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--format", r.StdErr);
    }
}
