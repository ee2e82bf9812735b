namespace CoSeg.Models;

/// <summary>An axis-aligned pixel box: columns [X0, X1) and rows [Y0, Y1) (exclusive ends).</summary>
/// <param name="X0">First column.</param>
/// <param name="Y0">First row.</param>
/// <param name="X1">One past the last column.</param>
/// <param name="Y1">One past the last row.</param>
public readonly record struct PixelBox(int X0, int Y0, int X1, int Y1)
{
    /// <summary>Width × height.</summary>
    public long Area => (long)Math.Max(0, X1 - X0) * Math.Max(0, Y1 - Y0);

    /// <summary>Intersection over union of two boxes (0 when both are empty).</summary>
    public double IoU(PixelBox other)
    {
        long iw = Math.Max(0, Math.Min(X1, other.X1) - Math.Max(X0, other.X0));
        long ih = Math.Max(0, Math.Min(Y1, other.Y1) - Math.Max(Y0, other.Y0));
        long inter = iw * ih, union = Area + other.Area - inter;
        return union <= 0 ? 0 : inter / (double)union;
    }
}

/// <summary>Binary-mask helpers of the automatic mask generator (boxes, stability, NMS, small regions, crops).</summary>
internal static class MaskOps
{
    /// <summary>Stability score of mask logits: #(logit &gt; t + offset) / #(logit &gt; t − offset) (0 when both are empty).</summary>
    public static double StabilityScore(ReadOnlySpan<float> logits, float threshold, float offset)
    {
        long inner = 0, outer = 0;
        float hi = threshold + offset, lo = threshold - offset;
        foreach (float v in logits) { if (v > hi) inner++; if (v > lo) outer++; }
        return outer == 0 ? 0 : inner / (double)outer;
    }

    /// <summary>The bounding box of the set pixels of a w-wide mask, or null when none is set.</summary>
    public static PixelBox? Box(ReadOnlySpan<bool> mask, int width)
    {
        int h = mask.Length / width, x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++)
        {
            var row = mask.Slice(y * width, width);
            int first = row.IndexOf(true);
            if (first < 0) continue;
            int last = row.LastIndexOf(true);
            if (y < y0) y0 = y;
            y1 = y;
            if (first < x0) x0 = first;
            if (last > x1) x1 = last;
        }
        return x1 < 0 ? null : new PixelBox(x0, y0, x1 + 1, y1 + 1);
    }

    /// <summary>
    /// Greedy non-maximum suppression: visits boxes by descending score (ties keep the input order) and drops every box
    /// whose IoU with an already kept box exceeds <paramref name="iouThreshold"/>. Returns the kept indices in visit order.
    /// </summary>
    public static List<int> Nms(IReadOnlyList<PixelBox> boxes, IReadOnlyList<double> scores, double iouThreshold)
    {
        var order = Enumerable.Range(0, boxes.Count).OrderByDescending(i => scores[i]).ToList(); // OrderBy is stable
        var kept = new List<int>();
        foreach (int i in order)
        {
            bool suppressed = false;
            foreach (int k in kept)
                if (boxes[i].IoU(boxes[k]) > iouThreshold) { suppressed = true; break; }
            if (!suppressed) kept.Add(i);
        }
        return kept;
    }

    /// <summary>
    /// Removes small disconnected parts of a mask as SAM's post-processing does: first fills holes (8-connected
    /// components of the unset pixels) smaller than <paramref name="minArea"/>, then drops islands (8-connected
    /// components of the set pixels) smaller than it — keeping the largest island when all are small. Returns whether
    /// anything changed.
    /// </summary>
    public static bool RemoveSmallRegions(bool[] mask, int width, int minArea)
    {
        if (minArea <= 0) return false;
        bool changed = FillSmall(mask, width, minArea, target: false);
        changed |= FillSmall(mask, width, minArea, target: true);
        return changed;
    }

    /// <summary>Components of pixels equal to <paramref name="target"/> smaller than minArea are flipped.</summary>
    private static bool FillSmall(bool[] mask, int width, int minArea, bool target)
    {
        int n = mask.Length, h = n / width;
        var label = new int[n];
        var sizes = new List<int> { 0 };
        var stack = new Stack<int>();
        for (int start = 0; start < n; start++)
        {
            if (mask[start] != target || label[start] != 0) continue;
            int id = sizes.Count, size = 0;
            label[start] = id; stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop(); size++;
                int py = p / width, px = p % width;
                for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                {
                    int qy = py + dy, qx = px + dx;
                    if ((dx | dy) == 0 || qy < 0 || qy >= h || qx < 0 || qx >= width) continue;
                    int q = qy * width + qx;
                    if (mask[q] == target && label[q] == 0) { label[q] = id; stack.Push(q); }
                }
            }
            sizes.Add(size);
        }
        var flip = new bool[sizes.Count];
        bool any = false;
        for (int id = 1; id < sizes.Count; id++) if (sizes[id] < minArea) { flip[id] = true; any = true; }
        if (!any) return false;
        // Islands: never delete the whole mask — keep the largest when every island is small.
        if (target && Enumerable.Range(1, sizes.Count - 1).All(id => flip[id]))
        {
            int largest = Enumerable.Range(1, sizes.Count - 1).MaxBy(id => sizes[id]);
            flip[largest] = false;
            if (sizes.Count == 2) return false;
        }
        bool changed = false;
        for (int p = 0; p < n; p++)
            if (label[p] != 0 && flip[label[p]]) { mask[p] = !target; changed = true; }
        return changed;
    }

    /// <summary>
    /// Crop boxes of SAM's crop layers: layer 0 is the whole image; layer i ≥ 1 splits it into 2^i × 2^i overlapping
    /// crops, the overlap being ⌊ratio · max(W, H) · 2 / 2^i⌋ pixels. Ordered by layer, then column, then row.
    /// </summary>
    public static List<(PixelBox Box, int Layer)> CropBoxes(int width, int height, int layers, double overlapRatio)
    {
        var boxes = new List<(PixelBox, int)> { (new PixelBox(0, 0, width, height), 0) };
        for (int layer = 1; layer <= layers; layer++)
        {
            int perSide = 1 << layer;
            int overlap = (int)(overlapRatio * Math.Max(width, height) * (2.0 / perSide));
            int cw = (int)Math.Ceiling((overlap * (perSide - 1) + width) / (double)perSide);
            int ch = (int)Math.Ceiling((overlap * (perSide - 1) + height) / (double)perSide);
            for (int i = 0; i < perSide; i++)
            for (int j = 0; j < perSide; j++)
            {
                int x0 = (int)((cw - overlap) * (long)i), y0 = (int)((ch - overlap) * (long)j);
                boxes.Add((new PixelBox(x0, y0, Math.Min(x0 + cw, width), Math.Min(y0 + ch, height)), layer));
            }
        }
        return boxes;
    }

    /// <summary>Whether a box (image coordinates) lies within <paramref name="tolerance"/> of an edge of its crop that is not an image edge.</summary>
    public static bool NearCropEdge(PixelBox box, PixelBox crop, int width, int height, double tolerance)
    {
        static bool Near(int a, int b, double tol) => Math.Abs(a - b) <= tol;
        return (Near(box.X0, crop.X0, tolerance) && !Near(box.X0, 0, tolerance))
            || (Near(box.Y0, crop.Y0, tolerance) && !Near(box.Y0, 0, tolerance))
            || (Near(box.X1, crop.X1, tolerance) && !Near(box.X1, width, tolerance))
            || (Near(box.Y1, crop.Y1, tolerance) && !Near(box.Y1, height, tolerance));
    }
}
