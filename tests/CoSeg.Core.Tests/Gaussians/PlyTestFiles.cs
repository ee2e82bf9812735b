using System.Text;

namespace CoSeg.Tests.Gaussians;

/// <summary>Writes small PLY files by hand (independently of the library's writer) for reader tests.</summary>
internal static class PlyTestFiles
{
    public static string[] ReferenceProperties(int restCount, params string[] extras)
        => new[] { "x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2" }
            .Concat(Enumerable.Range(0, restCount).Select(i => $"f_rest_{i}"))
            .Concat(new[] { "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3" })
            .Concat(extras).ToArray();

    /// <summary>Binary little-endian PLY with float properties; <paramref name="declaredCount"/> may lie about the rows.</summary>
    public static void WriteBinary(string path, string[] properties, float[][] rows, long? declaredCount = null, string format = "binary_little_endian")
    {
        var sb = new StringBuilder();
        sb.Append("ply\n").Append($"format {format} 1.0\n").Append($"element vertex {declaredCount ?? rows.Length}\n");
        foreach (var p in properties) sb.Append($"property float {p}\n");
        sb.Append("end_header\n");
        using var fs = File.Create(path);
        using var bw = new BinaryWriter(fs);
        bw.Write(Encoding.ASCII.GetBytes(sb.ToString()));
        foreach (var r in rows) foreach (var v in r) bw.Write(v);
    }

    /// <summary>Rows with value = 100·row + column + 0.5 (all distinct), so any mix-up of columns is visible.</summary>
    public static float[][] Rows(int n, int columns)
        => Enumerable.Range(0, n).Select(i => Enumerable.Range(0, columns).Select(j => 100f * i + j + 0.5f).ToArray()).ToArray();
}
