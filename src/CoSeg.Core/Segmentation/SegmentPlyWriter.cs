using System.Globalization;
using System.Text;
using CoSeg.Gaussians;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Writes Gaussians in the reference 3DGS binary PLY layout (x y z nx ny nz f_dc_0..2 f_rest_* opacity scale_0..2
/// rot_0..3, f_rest channel-major), then the scene's extra properties and a float <c>label</c>.
/// </summary>
internal static class SegmentPlyWriter
{
    public static void Write(string path, GaussianScene scene, int[] labels, int[]? rows)
    {
        using var scope = NewDisposeScope();
        float[] Get(Tensor t) => t.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        int n = (int)scene.Count;
        int k = (int)scene.ShCoefficients.shape[1];
        var means = Get(scene.Means); var scales = Get(scene.LogScales); var rots = Get(scene.Rotations);
        var opac = Get(scene.OpacityLogits); var sh = Get(scene.ShCoefficients);
        var extras = scene.ExtraProperties.Where(kv => kv.Key != "label").Select(kv => (kv.Key, Get(kv.Value))).ToList();
        rows ??= Enumerable.Range(0, n).ToArray();
        var header = new StringBuilder();
        header.Append("ply\nformat binary_little_endian 1.0\n").Append(CultureInfo.InvariantCulture, $"element vertex {rows.Length}\n");
        foreach (var name in new[] { "x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2" }) header.Append($"property float {name}\n");
        for (int i = 0; i < 3 * (k - 1); i++) header.Append(CultureInfo.InvariantCulture, $"property float f_rest_{i}\n");
        header.Append("property float opacity\n");
        for (int i = 0; i < 3; i++) header.Append(CultureInfo.InvariantCulture, $"property float scale_{i}\n");
        for (int i = 0; i < 4; i++) header.Append(CultureInfo.InvariantCulture, $"property float rot_{i}\n");
        foreach (var (name, _) in extras) header.Append($"property float {name}\n");
        header.Append("property float label\nend_header\n");
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var bw = new BinaryWriter(fs);
        bw.Write(Encoding.ASCII.GetBytes(header.ToString()));
        foreach (int i in rows)
        {
            bw.Write(means[3 * i]); bw.Write(means[3 * i + 1]); bw.Write(means[3 * i + 2]);
            bw.Write(0f); bw.Write(0f); bw.Write(0f);
            for (int c = 0; c < 3; c++) bw.Write(sh[(i * k) * 3 + c]);
            for (int c = 0; c < 3; c++) for (int j = 1; j < k; j++) bw.Write(sh[(i * k + j) * 3 + c]);
            bw.Write(opac[i]);
            for (int c = 0; c < 3; c++) bw.Write(scales[3 * i + c]);
            for (int c = 0; c < 4; c++) bw.Write(rots[4 * i + c]);
            foreach (var (_, vals) in extras) bw.Write(vals[i]);
            bw.Write((float)labels[i]);
        }
    }
}
