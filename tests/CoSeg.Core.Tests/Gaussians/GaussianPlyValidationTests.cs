using CoSeg.Gaussians;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Gaussians;

/// <summary>Bad PLY input: each failure names the file and the problem.</summary>
public class GaussianPlyValidationTests
{
    private static readonly string[] Names = PlyTestFiles.ReferenceProperties(9);

    [Fact]
    public void TruncatedData_IsReported()
    {
        using var tmp = new TempDir();
        string path = tmp.File("trunc.ply");
        PlyTestFiles.WriteBinary(path, Names, PlyTestFiles.Rows(4, Names.Length));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]); // cut inside the last vertex
        var e = Assert.Throws<InvalidDataException>(() => GaussianPly.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("3 complete vertices", e.Message);
    }

    [Fact]
    public void TruncatedHeader_IsReported()
    {
        using var tmp = new TempDir();
        string path = tmp.File("trunc-header.ply");
        PlyTestFiles.WriteBinary(path, Names, PlyTestFiles.Rows(1, Names.Length));
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..40]);
        var e = Assert.Throws<InvalidDataException>(() => GaussianPly.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("end_header", e.Message);
    }

    [Fact]
    public void VertexCountLargerThanData_IsReported()
    {
        using var tmp = new TempDir();
        string path = tmp.File("count.ply");
        PlyTestFiles.WriteBinary(path, Names, PlyTestFiles.Rows(3, Names.Length), declaredCount: 1000);
        var e = Assert.Throws<InvalidDataException>(() => GaussianPly.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("1000 vertices", e.Message);
        Assert.Contains("room for 3 complete vertices", e.Message);
    }

    [Fact]
    public void MissingRequiredProperty_IsNamed()
    {
        using var tmp = new TempDir();
        string path = tmp.File("missing.ply");
        var names = Names.Where(n => n != "opacity").ToArray();
        PlyTestFiles.WriteBinary(path, names, PlyTestFiles.Rows(2, names.Length));
        var e = Assert.Throws<InvalidDataException>(() => GaussianPly.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("'opacity'", e.Message);
    }

    [Fact]
    public void NanAndInfValues_AreCountedPerProperty()
    {
        using var tmp = new TempDir();
        string path = tmp.File("nan.ply");
        var rows = PlyTestFiles.Rows(6, Names.Length);
        int op = Array.IndexOf(Names, "opacity"), sx = Array.IndexOf(Names, "scale_0");
        rows[2][op] = float.NaN; rows[4][op] = float.PositiveInfinity; rows[5][sx] = float.NegativeInfinity;
        PlyTestFiles.WriteBinary(path, Names, rows);
        var e = Assert.Throws<InvalidDataException>(() => GaussianPly.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("3 NaN/Inf", e.Message);
        Assert.Contains("'opacity': 2 (first at vertex 2)", e.Message);
        Assert.Contains("'scale_0': 1 (first at vertex 5)", e.Message);
    }

    [Fact]
    public void UnsupportedFormat_IsRefused()
    {
        using var tmp = new TempDir();
        string path = tmp.File("be.ply");
        PlyTestFiles.WriteBinary(path, Names, PlyTestFiles.Rows(1, Names.Length), format: "binary_big_endian");
        var e = Assert.Throws<NotSupportedException>(() => GaussianPly.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("binary_big_endian", e.Message);
    }

    [Fact]
    public void NotAPly_IsRefused()
    {
        using var tmp = new TempDir();
        string path = tmp.File("x.ply");
        File.WriteAllText(path, "solid cube\nfacet normal 0 0 1\n");
        var e = Assert.Throws<InvalidDataException>(() => GaussianPly.Load(path));
        Assert.Contains("not a PLY", e.Message);
    }

    [Fact]
    public void BadRestCount_IsReported()
    {
        using var tmp = new TempDir();
        string path = tmp.File("rest.ply");
        var names = PlyTestFiles.ReferenceProperties(6); // 2 per channel: no SH degree has 3 coefficients
        PlyTestFiles.WriteBinary(path, names, PlyTestFiles.Rows(1, names.Length));
        var e = Assert.Throws<InvalidDataException>(() => GaussianPly.Load(path));
        Assert.Contains("6 f_rest", e.Message);
    }
}
