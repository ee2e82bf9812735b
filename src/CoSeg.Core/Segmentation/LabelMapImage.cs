using CoSeg.Common;
using SkiaSharp;
using static TorchSharp.torch;

namespace CoSeg.Segmentation;

/// <summary>Writes label maps as colour PNGs (id 0 black; other ids a fixed, well-separated palette).</summary>
public static class LabelMapImage
{
    /// <summary>The RGB colour of an id (golden-ratio hue steps, so neighbouring ids differ strongly).</summary>
    public static (byte R, byte G, byte B) Color(long id)
    {
        if (id <= 0) return (0, 0, 0);
        double h = (id * 0.618033988749895) % 1.0, s = 0.65 + 0.35 * ((id * 7) % 3) / 2.0, v = 0.95 - 0.25 * ((id * 5) % 2);
        double c = v * s, x = c * (1 - Math.Abs(h * 6 % 2 - 1)), m = v - c;
        var (r, g, b) = (int)(h * 6) switch { 0 => (c, x, 0.0), 1 => (x, c, 0.0), 2 => (0.0, c, x), 3 => (0.0, x, c), 4 => (x, 0.0, c), _ => (c, 0.0, x) };
        return ((byte)Math.Round((r + m) * 255), (byte)Math.Round((g + m) * 255), (byte)Math.Round((b + m) * 255));
    }

    /// <summary>Saves an H×W integer label map as a colour-coded PNG.</summary>
    public static void SavePng(Tensor labels, string path)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (labels.ndim != 2) throw new ArgumentException($"labels must be H×W, got [{string.Join(",", labels.shape)}].", nameof(labels));
        int h = (int)labels.shape[0], w = (int)labels.shape[1];
        using var l64 = labels.to(ScalarType.Int64).contiguous();
        var ids = l64.data<long>().ToArray();
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var (r, g, b) = Color(ids[y * w + x]);
                bmp.SetPixel(x, y, new SKColor(r, g, b));
            }
        AtomicFile.Write(path, stream =>
        {
            if (!bmp.Encode(stream, SKEncodedImageFormat.Png, 100)) throw new IOException($"Encoding PNG {path} failed.");
        });
    }
}
