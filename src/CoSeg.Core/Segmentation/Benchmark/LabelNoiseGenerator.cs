namespace CoSeg.Segmentation.Benchmark;

/// <summary>
/// Corrupts a clean label map the way per-view 2D segmenters err: merges of touching segments, splits, whole-segment
/// class confusions, dropped masks, boundary erosion/dilation and (instance mode) per-view id renumbering.
/// Views draw independently, so the errors disagree across views.
/// </summary>
/// <remarks>
/// Every corruption of every segment has its own random stream, derived from the view's seed, the corruption kind
/// and the segment id; its first number decides whether it fires (u &lt; rate) and the next ones its parameters. So the
/// levels are nested: with the same seed, a level whose rates are all ≥ another's fires a superset of its corruptions
/// on the same segments of the same views (with the same split lines, relabel targets and boundary directions), and
/// what one corruption draws never shifts what another does. Relabels and drops are decided for each segment on its
/// own (a view whose two segments are both relabelled comes out swapped, not collapsed by the order of replacement),
/// and boundary errors act on the true shapes, so none lies more than BoundaryPixels from a true boundary.
/// </remarks>
public static class LabelNoiseGenerator
{
    private enum Kind { Boundary = 1, Split, Merge, Relabel, Drop, Permute }

    /// <summary>
    /// Returns a corrupted copy of <paramref name="labels"/> (H×W flat, 0 = void, ids 1..<paramref name="maxId"/>).
    /// Draws exactly one number from <paramref name="rng"/> (the view's seed), whatever fires, so a sequence of views
    /// corrupted with one generator gets the same view seeds at every noise level.
    /// </summary>
    public static int[] Corrupt(int[] labels, int width, int height, int maxId, LabelNoiseOptions noise, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return Corrupt(labels, width, height, maxId, noise, rng.NextInt64());
    }

    /// <summary>
    /// Returns a corrupted copy of <paramref name="labels"/> (H×W flat, 0 = void, ids 1..<paramref name="maxId"/>);
    /// the result is a function of the labels, the options and <paramref name="viewSeed"/> only.
    /// </summary>
    public static int[] Corrupt(int[] labels, int width, int height, int maxId, LabelNoiseOptions noise, long viewSeed)
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
                var rng = Stream(viewSeed, Kind.Boundary, id);
                bool dilate = rng.NextDouble() < 0.5;
                int r = Math.Min(noise.BoundaryPixels, 1 + (int)(rng.NextDouble() * noise.BoundaryPixels));
                if (dilate) Dilate(l, labels, width, height, id, r);
                else Erode(l, labels, width, height, id, r);
            }
        foreach (int id in present)
        {
            // Semantic labels: the cut-off part gets a wrong class; instance labels: a new instance (one per true id).
            var rng = Stream(viewSeed, Kind.Split, id);
            if (Fires(rng, noise.SplitRate)) Split(l, width, height, id, noise.PermuteIds ? maxId + id : OtherId(id, maxId, rng), rng);
        }
        foreach (int id in present)
        {
            var rng = Stream(viewSeed, Kind.Merge, id);
            if (!Fires(rng, noise.MergeRate)) continue;
            var nb = TouchingIds(l, width, height, id);
            if (nb.Count > 0) Replace(l, id, nb[Math.Min(nb.Count - 1, (int)(rng.NextDouble() * nb.Count))]);
        }
        // Whole-segment confusions and drops, each segment decided on its own, applied at once.
        var map = new Dictionary<int, int>();
        foreach (int id in present)
        {
            var rr = Stream(viewSeed, Kind.Relabel, id);
            var rd = Stream(viewSeed, Kind.Drop, id);
            bool relabel = Fires(rr, noise.RelabelRate), drop = Fires(rd, noise.DropRate);
            if (relabel) map[id] = OtherId(id, maxId, rr);
            else if (drop) map[id] = 0;
        }
        if (map.Count > 0)
            for (int i = 0; i < l.Length; i++)
                if (map.TryGetValue(l[i], out int to)) l[i] = to;
        if (noise.PermuteIds)
        {
            var rng = Stream(viewSeed, Kind.Permute, 0);
            var ids = l.Where(v => v != 0).Distinct().Order().ToArray();
            var perm = Enumerable.Range(1, Math.Max(maxId, ids.Length)).OrderBy(_ => rng.Next()).ToArray();
            var pm = new Dictionary<int, int>();
            for (int i = 0; i < ids.Length; i++) pm[ids[i]] = perm[i];
            for (int i = 0; i < l.Length; i++) if (l[i] != 0) l[i] = pm[l[i]];
        }
        return l;
    }

    /// <summary>The first draw of a stream decides whether its corruption fires (u &lt; rate: nested across rates).</summary>
    private static bool Fires(Random rng, double rate) => rng.NextDouble() < rate;

    /// <summary>An independent stream per (view seed, corruption kind, segment id) — SplitMix64 finaliser of the three.</summary>
    private static Random Stream(long viewSeed, Kind kind, int id)
    {
        ulong z = unchecked((ulong)viewSeed + 0x9E3779B97F4A7C15UL * (ulong)((int)kind * 1_000_003L + id + 1));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return new Random(unchecked((int)(z ^ (z >> 32))));
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

    /// <summary>Grows the true segment (its shape in <paramref name="truth"/>) over neighbouring labelled pixels (not over void).</summary>
    private static void Dilate(int[] l, int[] truth, int w, int h, int id, int r)
    {
        var grown = DilateMask(Mask(truth, id), w, h, r);
        for (int i = 0; i < l.Length; i++) if (grown[i] && truth[i] != 0) l[i] = id;
    }

    /// <summary>Shrinks the segment; the lost rim becomes void (the 2D model did not cover it).</summary>
    private static void Erode(int[] l, int[] truth, int w, int h, int id, int r)
    {
        var m = Mask(truth, id);
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
