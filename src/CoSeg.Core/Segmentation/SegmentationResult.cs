using System.Diagnostics;
using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>The outcome of <see cref="Segmenter"/>: per-Gaussian identities, confidences and logits; owns a copy of the scene.</summary>
public sealed class SegmentationResult : IDisposable
{
    private readonly GaussianScene _scene;
    private readonly FrozenGeometry _geometry;
    private readonly SegmentOptions _options;

    // confidences: per-Gaussian confidences, or null for the softmax of the logits (trained methods).
    internal SegmentationResult(GaussianScene scene, Tensor logits, FrozenGeometry geometry, SegmentOptions options,
                                int skippedViews, IReadOnlyList<string> warnings, int unseen, SegmentationTimings timings, float[]? confidences = null)
    {
        _scene = scene.Clone();
        _geometry = geometry; _options = options;
        Logits = logits;
        using var scope = NewDisposeScope();
        var probs = logits[TensorIndex.Colon, 1..].softmax(1);
        var (conf, arg) = probs.max(1);
        GaussianIdentities = (arg + 1).to(ScalarType.Int32).data<int>().ToArray();
        Confidences = confidences ?? conf.data<float>().ToArray();
        SkippedViews = skippedViews; Warnings = warnings; UnseenGaussians = unseen; Timings = timings;
    }

    /// <summary>Per-Gaussian identity in 1..K−1 (0 is reserved for "ignore / background").</summary>
    public int[] GaussianIdentities { get; }
    /// <summary>
    /// Per-Gaussian confidence of its identity: the softmax probability over channels 1..K−1 for trained methods, the
    /// identity's share of the Gaussian's votes for <see cref="SegmentationMethod.Vote"/>.
    /// </summary>
    public float[] Confidences { get; }
    /// <summary>Per-Gaussian logits, N×K (for <see cref="SegmentationMethod.Vote"/>: the one-hot identities).</summary>
    public Tensor Logits { get; }
    /// <summary>Number of output identities K.</summary>
    public int Classes => _options.Classes;
    /// <summary>Training views skipped because their label source had no labels for them.</summary>
    public int SkippedViews { get; }
    /// <summary>Warnings collected while segmenting (one per skipped view).</summary>
    public IReadOnlyList<string> Warnings { get; }
    /// <summary>Gaussians no training view blends (their features were zero; CoSeg still predicts them).</summary>
    public int UnseenGaussians { get; }
    /// <summary>Wall-clock seconds of the whole segmentation (labels, features, training or voting).</summary>
    public double Seconds => Timings.TotalSeconds;
    /// <summary>Seconds per stage and peak memory.</summary>
    public SegmentationTimings Timings { get; }
    /// <summary>The rasterizer backend the segmentation and <see cref="RenderLogits"/> run on.</summary>
    public string Backend => _geometry.Backend.Name;

    /// <summary>
    /// Renders the K logit channels for <paramref name="camera"/> (H×W×K) and the accumulated opacity (H×W) with the
    /// segmentation's backend (one forward pass; any size).
    /// </summary>
    public (Tensor Logits, Tensor Alpha) RenderLogits(Camera camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        var sw = Stopwatch.StartNew();
        var r = _geometry.Render(Logits, _geometry.View(camera));
        Timings.LabelRenderingSeconds += sw.Elapsed.TotalSeconds;
        return r;
    }

    /// <summary>
    /// Rendered label map (H×W int64): argmax of the rendered logits over identities 1..K−1, 0 where the scene's
    /// opacity is below <see cref="SegmentOptions.MinPixelAlpha"/>.
    /// </summary>
    public Tensor RenderLabels(Camera camera)
    {
        var (l, a) = RenderLogits(camera);
        using (l) using (a)
        {
            using var scope = NewDisposeScope();
            var ids = l[TensorIndex.Ellipsis, 1..].argmax(2) + 1;
            return ids.where(a.ge(_options.MinPixelAlpha), 0L).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Writes the scene as a reference-layout PLY with an extra float <c>label</c> property per Gaussian.</summary>
    public void SavePly(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var labelled = Labelled(null);
        GaussianPly.Save(labelled, path);
    }

    /// <summary>A copy of the scene (all Gaussians, or the given rows) with the <c>label</c> extra property set.</summary>
    private GaussianScene Labelled(int[]? rows)
    {
        GaussianScene copy;
        if (rows is null)
        {
            copy = _scene.Clone();   // outside any dispose scope: the copy owns its tensors
            if (copy.ExtraProperties.Remove("label", out var prev)) prev.Dispose();
            copy.ExtraProperties["label"] = tensor(GaussianIdentities.Select(i => (float)i).ToArray());
            return copy;
        }
        using var scope = NewDisposeScope();
        var labels = tensor(GaussianIdentities.Select(i => (float)i).ToArray());
        {
            var idx = tensor(rows.Select(r => (long)r).ToArray());
            copy = new GaussianScene(_scene.Means.index_select(0, idx).MoveToOuterDisposeScope(), _scene.LogScales.index_select(0, idx).MoveToOuterDisposeScope(),
                                     _scene.Rotations.index_select(0, idx).MoveToOuterDisposeScope(), _scene.OpacityLogits.index_select(0, idx).MoveToOuterDisposeScope(),
                                     _scene.ShCoefficients.index_select(0, idx).MoveToOuterDisposeScope());
            foreach (var (k, v) in _scene.ExtraProperties) copy.ExtraProperties[k] = v.index_select(0, idx).MoveToOuterDisposeScope();
            labels = labels.index_select(0, idx);
        }
        if (copy.ExtraProperties.Remove("label", out var old)) old.Dispose();
        copy.ExtraProperties["label"] = labels.MoveToOuterDisposeScope();
        return copy;
    }

    /// <summary>Writes one PLY per identity present (<c>segment_XXX.ply</c>) into <paramref name="directory"/>; returns the paths.</summary>
    public IReadOnlyList<string> SaveSegmentPlys(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        foreach (int id in GaussianIdentities.Distinct().Order())
        {
            var rows = Enumerable.Range(0, GaussianIdentities.Length).Where(i => GaussianIdentities[i] == id).ToArray();
            var p = Path.Combine(directory, $"segment_{id:D3}.ply");
            using (var part = Labelled(rows)) GaussianPly.Save(part, p);
            paths.Add(p);
        }
        return paths;
    }

    /// <inheritdoc />
    public void Dispose() { Logits.Dispose(); _scene.Dispose(); _geometry.Dispose(); }
}
