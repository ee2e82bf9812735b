using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Data;

/// <summary>Image file reading and writing through SkiaSharp, to and from float32 tensors in [0, 1].</summary>
public static class ImageFiles
{
    /// <summary>Reads only the header of an image file: its size and whether it has an alpha channel.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image.</exception>
    public static (int Width, int Height, bool HasAlpha) ReadInfo(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file not found: {path}", path);
        using var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"Image file {path}: not a decodable image (PNG/JPEG/WebP/BMP expected).");
        var info = codec.Info;
        return (info.Width, info.Height, info.AlphaType != SKAlphaType.Opaque);
    }

    /// <summary>
    /// Loads an image as colour H×W×3 composited over <paramref name="background"/> (3 values in [0, 1]) plus alpha
    /// H×W when the file has an alpha channel. When a target size is given and differs from the file's, the image is
    /// resampled with an exact area (box) filter on premultiplied colour, which is the anti-aliased downscale.
    /// </summary>
    public static SceneImage Load(string path, ReadOnlySpan<float> background, int? width = null, int? height = null)
    {
        if (background.Length != 3) throw new ArgumentException($"Background must have 3 values (RGB), got {background.Length}.", nameof(background));
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file not found: {path}", path);
        using var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"Image file {path}: not a decodable image (PNG/JPEG/WebP/BMP expected).");
        int w = codec.Info.Width, h = codec.Info.Height;
        bool hasAlpha = codec.Info.AlphaType != SKAlphaType.Opaque;
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = SKBitmap.Decode(codec, info) ?? throw new InvalidDataException($"Image file {path}: decoding failed (corrupt or truncated image?).");
        var bytes = bitmap.GetPixelSpan();
        int tw = width ?? w, th = height ?? h;
        if (tw <= 0 || th <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Target size must be positive, got {tw}×{th}.");

        // Premultiplied float RGBA: compositing is then c + (1 − a)·bg, and resampling premultiplied colour is exact.
        var premul = new float[(long)w * h * 4];
        const float inv = 1f / 255f;
        for (int i = 0, n = w * h; i < n; i++)
        {
            float a = bytes[i * 4 + 3] * inv;
            premul[i * 4 + 0] = bytes[i * 4 + 0] * inv * a;
            premul[i * 4 + 1] = bytes[i * 4 + 1] * inv * a;
            premul[i * 4 + 2] = bytes[i * 4 + 2] * inv * a;
            premul[i * 4 + 3] = a;
        }
        using var scope = NewDisposeScope();
        var rgba = torch.tensor(premul, new long[] { h, w, 4 });
        if (tw != w || th != h) rgba = AreaResize(rgba, th, tw);
        var a4 = rgba[.., .., 3];
        var bg = torch.tensor(background.ToArray());
        var rgb = (rgba[.., .., ..3] + (1 - a4).unsqueeze(-1) * bg).clamp(0, 1).contiguous();
        Tensor? alpha = hasAlpha ? a4.clamp(0, 1).contiguous() : null;
        var result = new SceneImage(rgb.MoveToOuterDisposeScope(), alpha?.MoveToOuterDisposeScope());
        return result;
    }

    /// <summary>Resamples an H×W×C tensor to <paramref name="height"/>×<paramref name="width"/> by exact area averaging.</summary>
    public static Tensor AreaResize(Tensor image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.ndim != 3) throw new ArgumentException($"image must be H×W×C, got [{string.Join(",", image.shape)}].", nameof(image));
        using var scope = NewDisposeScope();
        var wy = AreaWeights((int)image.shape[0], height);
        var wx = AreaWeights((int)image.shape[1], width);
        var img = image.to_type(ScalarType.Float32);
        var rows = torch.einsum("yh,hwc->ywc", wy, img);
        var result = torch.einsum("xw,ywc->yxc", wx, rows).contiguous();
        return result.MoveToOuterDisposeScope();
    }

    // Weights (outSize × inSize): output pixel i averages input interval [i·s, (i+1)·s), s = in/out, by overlap length.
    private static Tensor AreaWeights(int inSize, int outSize)
    {
        var w = new float[(long)outSize * inSize];
        double s = (double)inSize / outSize;
        for (int i = 0; i < outSize; i++)
        {
            double lo = i * s, hi = (i + 1) * s;
            for (int j = (int)Math.Floor(lo); j < Math.Min(inSize, (int)Math.Ceiling(hi)); j++)
            {
                double overlap = Math.Min(hi, j + 1) - Math.Max(lo, j);
                if (overlap > 0) w[(long)i * inSize + j] = (float)(overlap / s);
            }
        }
        return torch.tensor(w, new long[] { outSize, inSize });
    }

    /// <summary>
    /// Writes an H×W×3 (RGB), H×W×4 (RGBA, unpremultiplied) or H×W (grey) tensor with values in [0, 1] as an 8-bit PNG.
    /// Values are clamped and rounded.
    /// </summary>
    public static void SavePng(Tensor image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(path);
        int channels = image.ndim == 2 ? 1 : image.ndim == 3 ? (int)image.shape[2] : -1;
        if (channels is not (1 or 3 or 4))
            throw new ArgumentException($"Cannot save {path}: image must be H×W, H×W×3 or H×W×4, got [{string.Join(",", image.shape)}].", nameof(image));
        int h = (int)image.shape[0], w = (int)image.shape[1];
        float[] data;
        using (var cpu = image.detach().to(torch.CPU).to_type(ScalarType.Float32).contiguous())
            data = cpu.data<float>().ToArray();
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, channels == 4 ? SKAlphaType.Unpremul : SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var px = bitmap.GetPixelSpan();
        unsafe
        {
            var dst = new Span<byte>((void*)bitmap.GetPixels(), px.Length);
            for (int i = 0; i < w * h; i++)
            {
                for (int c = 0; c < 3; c++)
                    dst[i * 4 + c] = ToByte(data[i * channels + (channels == 1 ? 0 : c)]);
                dst[i * 4 + 3] = channels == 4 ? ToByte(data[i * 4 + 3]) : (byte)255;
            }
        }
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        using var stream = File.Create(path);
        if (!bitmap.Encode(stream, SKEncodedImageFormat.Png, 100))
            throw new IOException($"Encoding PNG {path} failed.");
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round((float.IsNaN(v) ? 0 : v) * 255f), 0, 255);
}
