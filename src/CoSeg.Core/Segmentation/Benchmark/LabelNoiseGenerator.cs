namespace CoSeg.Segmentation.Benchmark;

/// <summary>
/// Corrupts a clean label map the way per-view 2D segmenters err: merges of touching segments, splits, whole-segment
/// class confusions, dropped masks, boundary erosion/dilation and (instance mode) per-view id renumbering.
/// Each call draws independently, so the errors disagree across views.
/// </summary>
public static class LabelNoiseGenerator
{
    /// <summary>
    /// Returns a corrupted copy of <paramref name="labels"/> (H×W flat, 0 = void, ids 1..<paramref name="maxId"/>).
    /// </summary>
    public static int[] Corrupt(int[] labels, int width, int height, int maxId, LabelNoiseOptions noise, Random rng)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(noise);
        if (labels.Length != width * height) throw new ArgumentException($"labels has {labels.Length} pixels, expected {width}×{height}.", nameof(labels));
        var l = (int[])labels.Clone();
        var present = l.Where(v => v != 0).Distinct().Order().ToArray();

        // Boundary errors first (they act on the true shapes).
        if (noise.BoundaryPixels > 0)
            foreach (int id in present)
            {
                int r = rng.Next(1, noise.BoundaryPixels + 1);
                if (rng.NextDouble() < 0.5) Dilate(l, width, height, id, r);
                else Erode(l, width, height, id, r);
            }
        int fresh = maxId + 1;
        foreach (int id in present)
        {
            // Semantic labels: the cut-off part gets a wrong class; instance labels: a new instance.
            if (noise.SplitRate > 0 && rng.NextDouble() < noise.SplitRate)
                Split(l, width, height, id, noise.PermuteIds ? fresh++ : OtherId(id, maxId, rng), rng);
        }
        foreach (int id in present)
        {
            if (noise.MergeRate > 0 && rng.NextDouble() < noise.MergeRate)
            {
                var nb = TouchingIds(l, width, height, id);
                if (nb.Count > 0) Replace(l, id, nb[rng.Next(nb.Count)]);
            }
        }
        foreach (int id in present)
        {
            if (noise.RelabelRate > 0 && rng.NextDouble() < noise.RelabelRate) Replace(l, id, OtherId(id, maxId, rng));
            else if (noise.DropRate > 0 && rng.NextDouble() < noise.DropRate) Replace(l, id, 0);
        }
        if (noise.PermuteIds)
        {
            var ids = l.Where(v => v != 0).Distinct().ToArray();
            var perm = Enumerable.Range(1, Math.Max(maxId, ids.Length)).OrderBy(_ => rng.Next()).ToArray();
            var map = new Dictionary<int, int>();
            for (int i = 0; i < ids.Length; i++) map[ids[i]] = perm[i];
            for (int i = 0; i < l.Length; i++) if (l[i] != 0) l[i] = map[l[i]];
        }
        return l;
    }

    private static int OtherId(int id, int maxId, Random rng)
    {
        if (maxId < 2) return id;
        int o = rng.Next(1, maxId);
        return o >= id ? o + 1 : o;
    }

    private static void Replace(int[] l, int from, int to)
    {
        for (int i = 0; i < l.Length; i++) if (l[i] == from) l[i] = to;
    }

    private static List<int> TouchingIds(int[] l, int w, int h, int id)
    {
        var set = new HashSet<int>();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (l[y * w + x] != id) continue;
                if (x + 1 < w) Add(l[y * w + x + 1]);
                if (x > 0) Add(l[y * w + x - 1]);
                if (y + 1 < h) Add(l[(y + 1) * w + x]);
                if (y > 0) Add(l[(y - 1) * w + x]);
            }
        return set.Order().ToList();
        void Add(int v) { if (v != 0 && v != id) set.Add(v); }
    }

    private static bool[] Mask(int[] l, int id) => l.Select(v => v == id).ToArray();

    /// <summary>Square (Chebyshev) dilation by r, separable.</summary>
    private static bool[] DilateMask(bool[] m, int w, int h, int r)
    {
        var tmp = new bool[m.Length]; var res = new bool[m.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool any = false;
                for (int d = Math.Max(0, x - r); d <= Math.Min(w - 1, x + r) && !any; d++) any = m[y * w + d];
                tmp[y * w + x] = any;
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool any = false;
                for (int d = Math.Max(0, y - r); d <= Math.Min(h - 1, y + r) && !any; d++) any = tmp[d * w + x];
                res[y * w + x] = any;
            }
        return res;
    }

    /// <summary>Grows the segment over neighbouring labelled pixels (not over void).</summary>
    private static void Dilate(int[] l, int w, int h, int id, int r)
    {
        var grown = DilateMask(Mask(l, id), w, h, r);
        for (int i = 0; i < l.Length; i++) if (grown[i] && l[i] != 0) l[i] = id;
    }

    /// <summary>Shrinks the segment; the lost rim becomes void (the 2D model did not cover it).</summary>
    private static void Erode(int[] l, int w, int h, int id, int r)
    {
        var m = Mask(l, id);
        var outside = DilateMask(m.Select(v => !v).ToArray(), w, h, r);
        for (int i = 0; i < l.Length; i++) if (m[i] && outside[i]) l[i] = 0;
    }

    /// <summary>Cuts the segment by a random line through its centroid; one side gets <paramref name="newId"/>.</summary>
    private static void Split(int[] l, int w, int h, int id, int newId, Random rng)
    {
        double sx = 0, sy = 0; long n = 0;
        for (int i = 0; i < l.Length; i++) if (l[i] == id) { sx += i % w; sy += i / w; n++; }
        if (n < 50) return;   // only large segments split
        double cx = sx / n, cy = sy / n, a = rng.NextDouble() * Math.PI, nx = Math.Cos(a), ny = Math.Sin(a);
        for (int i = 0; i < l.Length; i++)
            if (l[i] == id && ((i % w) - cx) * nx + ((i / w) - cy) * ny > 0) l[i] = newId;
    }
}
