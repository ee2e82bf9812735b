using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using CoSeg.Gaussians;
using CoSeg.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Gaussians;

public class GaussianPlyTests
{
    [SkippableFact]
    public void InriaPly_Loads9080GaussiansOfDegree3_AndSavesByteIdentical()
    {
        string ply = SharedData.Require("ply/inria_3dgs_iter7000.ply");
        using var scene = GaussianPly.Load(ply);
        Assert.Equal(9080, scene.Count);
        Assert.Equal(3, scene.ShDegree);
        Assert.Equal(new long[] { 9080, 16, 3 }, scene.ShCoefficients.shape);
        Assert.Empty(scene.ExtraProperties); // normals are all zero in the reference output
        using var tmp = new TempDir();
        string outPath = tmp.File("roundtrip.ply");
        scene.SavePly(outPath);
        Assert.Equal(File.ReadAllBytes(ply), File.ReadAllBytes(outPath));
    }

    [SkippableFact]
    public void InriaPly_ValuesMatchTheRawBytes_ChannelMajorRest()
    {
        string ply = SharedData.Require("ply/inria_3dgs_iter7000.ply");
        var bytes = File.ReadAllBytes(ply);
        int bodyStart = IndexOf(bytes, Encoding.ASCII.GetBytes("end_header\n")) + "end_header\n".Length;
        const int props = 62; // x y z nx ny nz f_dc×3 f_rest×45 opacity scale×3 rot×4
        float Raw(int vertex, int column) => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(bodyStart + (vertex * props + column) * 4));
        using var scene = GaussianPly.Load(ply);
        foreach (int v in new[] { 0, 1, 4567, 9079 })
        {
            Assert.Equal(Raw(v, 0), scene.Means[v, 0].item<float>());
            Assert.Equal(Raw(v, 2), scene.Means[v, 2].item<float>());
            Assert.Equal(Raw(v, 6 + 1), scene.ShCoefficients[v, 0, 1].item<float>());      // f_dc_1 = G DC
            Assert.Equal(Raw(v, 9 + 15 + 0), scene.ShCoefficients[v, 1, 1].item<float>()); // f_rest_15 = G, coefficient 1
            Assert.Equal(Raw(v, 9 + 30 + 14), scene.ShCoefficients[v, 15, 2].item<float>()); // f_rest_44 = B, coefficient 15
            Assert.Equal(Raw(v, 9 + 0 + 3), scene.ShCoefficients[v, 4, 0].item<float>());  // f_rest_3 = R, coefficient 4
            Assert.Equal(Raw(v, 54), scene.OpacityLogits[v].item<float>());
            Assert.Equal(Raw(v, 57), scene.LogScales[v, 2].item<float>());
            Assert.Equal(Raw(v, 58), scene.Rotations[v, 0].item<float>());
        }
    }

    private static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
            if (hay.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }

    [Fact]
    public void SyntheticDegree1WithExtras_LoadsInOrder_AndRoundTrips()
    {
        using var tmp = new TempDir();
        var names = PlyTestFiles.ReferenceProperties(9, "segment", "confidence");
        var rows = PlyTestFiles.Rows(5, names.Length);
        string path = tmp.File("deg1.ply");
        PlyTestFiles.WriteBinary(path, names, rows);
        using var scene = GaussianPly.Load(path);
        Assert.Equal(1, scene.ShDegree);
        Assert.Equal(new[] { "nx", "ny", "nz", "segment", "confidence" }, scene.ExtraProperties.Keys.ToArray()); // normals are non-zero here
        int Col(string n) => Array.IndexOf(names, n);
        for (int v = 0; v < 5; v++)
        {
            // f_rest is channel-major: f_rest_{c·3 + (k−1)} is channel c, coefficient k.
            for (int c = 0; c < 3; c++)
                for (int k = 1; k < 4; k++)
                    Assert.Equal(rows[v][Col($"f_rest_{c * 3 + k - 1}")], scene.ShCoefficients[v, k, c].item<float>());
            Assert.Equal(rows[v][Col("segment")], scene.ExtraProperties["segment"][v].item<float>());
            Assert.Equal(rows[v][Col("rot_3")], scene.Rotations[v, 3].item<float>());
        }
        // Normals here are non-zero, so they are kept as extras and written back.
        string again = tmp.File("again.ply");
        scene.SavePly(again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    [Fact]
    public void SceneBuiltInCode_SavesTheCanonicalLayout_AndLoadsBackEqual()
    {
        using var tmp = new TempDir();
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var scene = new GaussianScene(randn(7, 3), randn(7, 3), randn(7, 4), randn(7), randn(7, 9, 3));
        scene.ExtraProperties["label"] = arange(7, dtype: ScalarType.Float32);
        string path = tmp.File("code.ply");
        scene.SavePly(path);
        var text = Encoding.ASCII.GetString(File.ReadAllBytes(path));
        string header = text[..(text.IndexOf("end_header\n", StringComparison.Ordinal) + 11)];
        string expected = "ply\nformat binary_little_endian 1.0\nelement vertex 7\n"
            + string.Concat(PlyTestFiles.ReferenceProperties(24, "label").Select(p => $"property float {p}\n")) + "end_header\n";
        Assert.Equal(expected, header);
        using var back = GaussianPly.Load(path);
        Assert.True(back.Means.eq(scene.Means).all().item<bool>());
        Assert.True(back.ShCoefficients.eq(scene.ShCoefficients).all().item<bool>());
        Assert.True(back.OpacityLogits.eq(scene.OpacityLogits).all().item<bool>());
        Assert.True(back.ExtraProperties["label"].eq(scene.ExtraProperties["label"]).all().item<bool>());
    }

    [Fact]
    public void AsciiPly_IsRead()
    {
        using var tmp = new TempDir();
        var names = PlyTestFiles.ReferenceProperties(0);
        var rows = PlyTestFiles.Rows(3, names.Length);
        var sb = new StringBuilder("ply\nformat ascii 1.0\ncomment made by hand\nelement vertex 3\n");
        foreach (var n in names) sb.Append($"property float {n}\n");
        sb.Append("end_header\n");
        foreach (var r in rows) sb.Append(string.Join(" ", r.Select(v => v.ToString(CultureInfo.InvariantCulture)))).Append('\n');
        string path = tmp.File("ascii.ply");
        File.WriteAllText(path, sb.ToString());
        using var scene = GaussianPly.Load(path);
        Assert.Equal(0, scene.ShDegree);
        Assert.Equal(rows[2][Array.IndexOf(names, "scale_1")], scene.LogScales[2, 1].item<float>());
        Assert.Equal(rows[1][Array.IndexOf(names, "f_dc_2")], scene.ShCoefficients[1, 0, 2].item<float>());
    }
}

public class GaussianPlyLayoutChangeTests
{
    [Fact]
    public void ChangedVertexCount_KeepsHeaderLines_UpdatesCount_AddedExtra_FallsBackToCanonical()
    {
        using var tmp = new TempDir();
        var names = PlyTestFiles.ReferenceProperties(0);
        string path = tmp.File("in.ply");
        // A header with a comment and zero normals: comments survive while the layout matches.
        var rows = PlyTestFiles.Rows(4, names.Length);
        foreach (var r in rows) { r[3] = 0; r[4] = 0; r[5] = 0; }
        var sb = new StringBuilder("ply\nformat binary_little_endian 1.0\ncomment trained by hand\nelement vertex 4\n");
        foreach (var n in names) sb.Append($"property float {n}\n");
        sb.Append("end_header\n");
        using (var bw = new BinaryWriter(File.Create(path)))
        {
            bw.Write(Encoding.ASCII.GetBytes(sb.ToString()));
            foreach (var r in rows) foreach (var v in r) bw.Write(v);
        }
        using var scene = GaussianPly.Load(path);
        Assert.Empty(scene.ExtraProperties);
        using (var keep = torch.tensor(new long[] { 0, 2 }))
            scene.Replace(scene.Means.index_select(0, keep), scene.LogScales.index_select(0, keep), scene.Rotations.index_select(0, keep),
                          scene.OpacityLogits.index_select(0, keep), scene.ShCoefficients.index_select(0, keep));
        string pruned = tmp.File("pruned.ply");
        scene.SavePly(pruned);
        var text = Encoding.ASCII.GetString(File.ReadAllBytes(pruned));
        Assert.StartsWith("ply\nformat binary_little_endian 1.0\ncomment trained by hand\nelement vertex 2\n", text);
        using (var back = GaussianPly.Load(pruned))
            Assert.Equal(rows[2][Array.IndexOf(names, "opacity")], back.OpacityLogits[1].item<float>());

        scene.ExtraProperties["label"] = torch.tensor(new[] { 3f, 4f });
        string labelled = tmp.File("labelled.ply");
        scene.SavePly(labelled);
        text = Encoding.ASCII.GetString(File.ReadAllBytes(labelled));
        Assert.StartsWith("ply\nformat binary_little_endian 1.0\nelement vertex 2\nproperty float x\n", text);
        Assert.Contains("property float rot_3\nproperty float label\nend_header\n", text);
        using var again = GaussianPly.Load(labelled);
        Assert.Equal(4f, again.ExtraProperties["label"][1].item<float>());
    }

    [Fact]
    public void ExtraPropertyOfWrongShape_IsRejectedOnSave()
    {
        using var tmp = new TempDir();
        using var scene = new GaussianScene(torch.zeros(3, 3), torch.zeros(3, 3), torch.ones(3, 4), torch.zeros(3), torch.zeros(3, 1, 3));
        scene.ExtraProperties["bad"] = torch.zeros(2);
        var e = Assert.Throws<ArgumentException>(() => scene.SavePly(tmp.File("x.ply")));
        Assert.Contains("'bad'", e.Message);
    }
}
