using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Multi-scale k-NN aggregation over Gaussian centres (ours, in place of the paper's RandLA-Net encoder): for each
/// scale k it pools the neighbours' relative positions (mean offset and spread, normalised by the neighbourhood
/// radius, plus the log radius) and their unprojected features (mean, and mean feature distance to the centre
/// Gaussian). The pooling has no weights; the shared decoder learns on top of it, so the features stay cheap for
/// 100k+ Gaussians and are computed once per scene.
/// </summary>
internal static class SpatialEncoder
{
    /// <summary>Per-scale output width for C input feature channels.</summary>
    public static int ScaleWidth(int c) => 1 + 3 + 3 + c + 1;

    /// <summary>
    /// Encodes every Gaussian: <paramref name="means"/> N×3, <paramref name="features"/> N×C (may have C = 0),
    /// <paramref name="neighbors"/> N×kMax nearest-first indices. Returns N×(scales·ScaleWidth(C)).
    /// </summary>
    public static Tensor Encode(Tensor means, Tensor features, int[] neighbors, int kMax, int[] scales, CancellationToken ct = default)
    {
        long n = means.shape[0];
        int c = (int)features.shape[1];
        if (neighbors.Length != n * kMax) throw new ArgumentException($"neighbors must be N×{kMax}.", nameof(neighbors));
        if (scales.Any(k => k > kMax)) throw new ArgumentException("a scale exceeds kMax.", nameof(scales));
        using var nb = tensor(neighbors.Select(i => (long)i).ToArray(), new long[] { n, kMax }, ScalarType.Int64);
        Tensor scale;
        using (NewDisposeScope()) // chained temporaries stay referenced (GC-safe) until the scope ends
            scale = (means - means.mean(new long[] { 0 })).square().sum(1).mean().sqrt().clamp_min(1e-8).DetachFromDisposeScope();
        using var sceneScale = scale;
        var output = zeros(n, scales.Length * ScaleWidth(c));
        const long chunk = 4096;
        for (long s = 0; s < n; s += chunk)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            long e = Math.Min(n, s + chunk);
            var centre = means[TensorIndex.Slice(s, e)];
            var ownFeat = features[TensorIndex.Slice(s, e)];
            var parts = new List<Tensor>();
            foreach (int k in scales)
            {
                var idx = nb[TensorIndex.Slice(s, e), TensorIndex.Slice(0, k)];
                var rel = means.index_select(0, idx.reshape(-1)).reshape(e - s, k, 3) - centre.unsqueeze(1);
                var dist = rel.square().sum(2).sqrt();
                var radius = dist.mean(new long[] { 1 }, keepdim: true).clamp_min(1e-8);           // B×1
                var relN = rel / radius.unsqueeze(2);
                parts.Add((radius / sceneScale).log());
                parts.Add(relN.mean(new long[] { 1 }));
                parts.Add(relN.std(1, false));
                if (c > 0)
                {
                    var nf = features.index_select(0, idx.reshape(-1)).reshape(e - s, k, c);
                    parts.Add(nf.mean(new long[] { 1 }));
                    parts.Add((nf - ownFeat.unsqueeze(1)).square().sum(2).sqrt().mean(new long[] { 1 }, keepdim: true));
                }
                else parts.Add(zeros(e - s, 1));
            }
            output[TensorIndex.Slice(s, e)] = cat(parts, 1);
        }
        return output;
    }

    /// <summary>Sin/cos encoding of centres normalised to the scene's bounding box, with the raw normalised coordinates.</summary>
    public static Tensor PositionEncoding(Tensor means, int frequencies)
    {
        using var scope = NewDisposeScope();
        var lo = means.amin(new long[] { 0 }); var hi = means.amax(new long[] { 0 });
        var p = (means - lo) / (hi - lo).clamp_min(1e-8) * 2 - 1;   // [-1, 1]
        var parts = new List<Tensor> { p };
        for (int f = 0; f < frequencies; f++)
        {
            var arg = p * (Math.PI * Math.Pow(2, f) * 0.5);
            parts.Add(arg.sin()); parts.Add(arg.cos());
        }
        return cat(parts, 1).MoveToOuterDisposeScope();
    }
}
