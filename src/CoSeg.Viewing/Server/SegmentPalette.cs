namespace CoSeg.Viewing.Server;

/// <summary>Deterministic, well-separated display colours for segment identities (golden-ratio hues; 0 is grey).</summary>
internal static class SegmentPalette
{
    public static (byte R, byte G, byte B) Color(int id)
    {
        if (id == 0) return (128, 128, 128);
        double h = (id * 0.618033988749895 + 0.11) % 1.0;
        double s = id % 2 == 0 ? 0.65 : 0.85, v = id % 3 == 0 ? 0.8 : 0.95;
        int i = (int)(h * 6);
        double f = h * 6 - i, p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
        var (r, g, b) = (i % 6) switch
        {
            0 => (v, t, p), 1 => (q, v, p), 2 => (p, v, t), 3 => (p, q, v), 4 => (t, p, v), _ => (v, p, q),
        };
        return ((byte)Math.Round(r * 255), (byte)Math.Round(g * 255), (byte)Math.Round(b * 255));
    }
}
