using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>
/// Maps one view's per-view instance ids to the field's output channels: the overlap (pixel count) between each raw
/// id and each channel's rendered argmax region is maximised with the Hungarian algorithm (as Panoptic Lifting).
/// Raw ids that get no channel (more masks than channels) become 0 (ignored). Before a field is informative, the
/// views are associated with each other instead (<see cref="InstanceInitialization.Consensus"/>).
/// </summary>
public static class InstanceAssociation
{
    /// <summary>
    /// <paramref name="rawLabels"/>: P int64 per-view ids (0 = ignore); <paramref name="predicted"/>: P int64 channel
    /// ids in 1..K−1 (the field's current rendered identities; 0 = no prediction, counts for no channel); returns
    /// P int64 labels in channel ids.
    /// </summary>
    public static Tensor Associate(Tensor rawLabels, Tensor predicted, int classes)
    {
        ArgumentNullException.ThrowIfNull(rawLabels);
        ArgumentNullException.ThrowIfNull(predicted);
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), $"classes must be ≥ 2, got {classes}.");
        return Associate(rawLabels, predicted, classes, null);
    }

    /// <summary>Hard overlap: each pixel counts for its predicted channel (0 = none).</summary>
    private static Tensor Associate(Tensor rawLabels, Tensor predicted, int classes, bool[]? freeChannels)
    {
        using var scope = NewDisposeScope();
        var pred = predicted.reshape(-1).to(ScalarType.Int64);
        var onehot = nn.functional.one_hot(pred.clamp(0, classes - 1), classes).to(ScalarType.Float64);
        return AssociateSoft(rawLabels, onehot, classes, freeChannels).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Soft overlap: <paramref name="distribution"/> is P×K, each pixel's mass per channel (channel 0 and any mass
    /// missing to 1 mean "no prediction"). A raw id's overlap with a channel is its pixels' summed mass there; when
    /// <paramref name="freeChannels"/> is given, the missing mass counts as overlap with every free channel, so an
    /// object no earlier view has seen takes a channel nobody uses instead of an arbitrary taken one.
    /// </summary>
    internal static Tensor AssociateSoft(Tensor rawLabels, Tensor distribution, int classes, bool[]? freeChannels)
    {
        using var scope = NewDisposeScope();
        var raw = rawLabels.reshape(-1).to(ScalarType.Int64);
        var dist = distribution.reshape(-1, classes).to(ScalarType.Float64);
        if (raw.shape[0] != dist.shape[0]) throw new ArgumentException("rawLabels and predicted must have the same number of pixels.");
        var (ids, inverseN, _) = unique(raw, sorted: true, return_inverse: true);
        var idArr = ids.data<long>().ToArray();
        int a = idArr.Length;
        var inverse = inverseN!;
        var ov = zeros(new long[] { a, classes }, ScalarType.Float64).index_add(0, inverse, dist, 1).data<double>().ToArray();
        var missing = zeros(new long[] { a }, ScalarType.Float64)
            .index_add(0, inverse, (1 - dist[TensorIndex.Colon, 1..].sum(1)).clamp_min(0), 1).data<double>().ToArray();
        // Rows: raw ids ≠ 0; columns: channels 1..K−1.
        var rows = Enumerable.Range(0, a).Where(i => idArr[i] != 0).ToArray();
        var w = new double[rows.Length, classes - 1];
        for (int r = 0; r < rows.Length; r++)
            for (int c = 1; c < classes; c++)
                w[r, c - 1] = ov[rows[r] * classes + c] + (freeChannels is not null && freeChannels[c] ? missing[rows[r]] : 0);
        var assign = HungarianAlgorithm.SolveMaximum(w);
        var lut = new long[a];
        for (int r = 0; r < rows.Length; r++) lut[rows[r]] = assign[r] >= 0 ? assign[r] + 1 : 0;
        return tensor(lut).index_select(0, inverse).reshape(rawLabels.shape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Associates every labelled view without a trained field: ids are lifted onto the Gaussians as blend-weighted
    /// votes. Views are taken greedily in order of how much of them the votes so far already cover (the first one
    /// fixes the numbering); each is matched against the rendered votes, then adds its own. <paramref name="passes"/>
    /// refinement sweeps re-match every view against the votes of all the others (so it cannot vote for itself).
    /// Streams through the backend one view at a time; besides the N×K votes it keeps only each view's per-Gaussian
    /// coverage weights (sparse over its visible Gaussians). <paramref name="labels"/>: per view P raw ids (any integer
    /// dtype, null = no labels). Returns per view its P channel labels, packed (<see cref="LabelPacking"/>).
    /// </summary>
    internal static Tensor?[] Consensus(FrozenGeometry geometry, IReadOnlyList<ProjectionParams> views, IReadOnlyList<Tensor?> labels, int classes,
                                        int passes, CancellationToken ct)
    {
        if (views.Count != labels.Count) throw new ArgumentException($"{views.Count} views but {labels.Count} label maps.", nameof(labels));
        var result = new Tensor?[views.Count];
        var todo = Enumerable.Range(0, views.Count).Where(v => labels[v] is not null).ToList();
        if (todo.Count == 0) return result;
        long n = geometry.Count;
        using var votes = zeros(n, classes);
        // Each view's blend weight per visible Gaussian, normalised to sum 1, concatenated over the views to be
        // ordered, so the coverage of every view is one gather + scatter-add over their visible Gaussians.
        var order = todo.ToArray();
        using var cover = CoverageMatrix(geometry, views, order, ct);
        var remaining = new bool[order.Length];
        Array.Fill(remaining, true);
        try
        {
            for (int step = 0; step < order.Length; step++)
            {
                ct.ThrowIfCancellationRequested();
                int pick = 0;
                if (step > 0)
                {
                    // Greedy: next is the view whose blend weight lies most on Gaussians that already have votes.
                    using var scope = NewDisposeScope();
                    var has = votes.sum(1).gt(1e-4).to(ScalarType.Float32);
                    var cov = zeros(order.Length).index_add(0, cover.Row, cover.Value * has.index_select(0, cover.Gaussian), 1).data<float>().ToArray();
                    double best = double.NegativeInfinity;
                    for (int i = 0; i < order.Length; i++)
                        if (remaining[i] && cov[i] > best) { best = cov[i]; pick = i; }
                }
                remaining[pick] = false;
                int next = order[pick];
                result[next] = Match(geometry, views[next], labels[next]!, votes, classes);
                LabelVoting.Add(geometry, views[next], result[next]!, votes, classes);
            }
            for (int pass = 0; pass < passes; pass++)
                for (int v = 0; v < views.Count; v++)
                {
                    ct.ThrowIfCancellationRequested();
                    if (result[v] is null) continue;
                    LabelVoting.Add(geometry, views[v], result[v]!, votes, classes, -1f);
                    votes.clamp_min_(0);   // float round-off after removals
                    var m = Match(geometry, views[v], labels[v]!, votes, classes);
                    result[v]!.Dispose();
                    result[v] = m;
                    LabelVoting.Add(geometry, views[v], m, votes, classes);
                }
            return result;
        }
        catch
        {
            foreach (var r in result) r?.Dispose();
            throw;
        }
    }

    /// <summary>(view row, Gaussian, normalised blend weight) of every Gaussian visible in each view to be ordered.</summary>
    private sealed class Coverage(Tensor row, Tensor gaussian, Tensor value) : IDisposable
    {
        public Tensor Row { get; } = row;
        public Tensor Gaussian { get; } = gaussian;
        public Tensor Value { get; } = value;
        public void Dispose() { Row.Dispose(); Gaussian.Dispose(); Value.Dispose(); }
    }

    private static Coverage CoverageMatrix(FrozenGeometry geometry, IReadOnlyList<ProjectionParams> views, int[] order, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>(); var gs = new List<Tensor>(); var vals = new List<Tensor>();
        for (int i = 0; i < order.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            var w = geometry.Weights(views[order[i]]);
            var visible = w.gt(0).nonzero().reshape(-1);
            var perGaussian = w.index_select(0, visible);
            vals.Add(perGaussian / perGaussian.sum().clamp_min(1e-12));
            gs.Add(visible);
            rows.Add(full(visible.shape[0], (long)i, ScalarType.Int64));
        }
        return new Coverage(cat(rows).MoveToOuterDisposeScope(), cat(gs).MoveToOuterDisposeScope(), cat(vals).MoveToOuterDisposeScope());
    }

    /// <summary>Matches one view's raw ids against the rendered vote distribution (pixels mostly covered by voted Gaussians).</summary>
    private static Tensor Match(FrozenGeometry geometry, ProjectionParams view, Tensor raw, Tensor votes, int classes)
    {
        using var scope = NewDisposeScope();
        var total = votes.sum(1, keepdim: true);
        // Round-off left by removing a view's votes must not count as a vote.
        var dist = votes / total.clamp_min(1e-12) * total.gt(1e-4);
        var (image, _) = geometry.Render(dist, view);
        var rendered = image.reshape(-1, classes);
        var used = votes.sum(0L).gt(1e-4).data<bool>().ToArray();
        var free = used.Select((u, c) => c > 0 && !u).ToArray();
        return LabelPacking.Pack(AssociateSoft(raw, rendered, classes, free)).MoveToOuterDisposeScope();
    }
}
