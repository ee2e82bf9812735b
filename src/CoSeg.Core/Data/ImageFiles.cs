using CoSeg.Common;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Data;

/// <summary>Image file reading and writing through SkiaSharp, to and from float32 tensors in [0, 1].</summary>
public static class ImageFiles
{
    /// <summary>Reads only the header of an image file: its size and whether it has an alpha channel.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty, not a regular file or not a decodable image, or its header
    /// claims a size beyond the limits (65535 per side, 2²⁸ pixels) or more pixels than its bytes can hold.</exception>
    public static (int Width, int Height, bool HasAlpha) ReadInfo(string path)
    {
        using var codec = OpenCodec(path, out _);
        var info = codec.Info;
        return (info.Width, info.Height, info.AlphaType != SKAlphaType.Opaque);
    }

    /// <summary>
    /// Opens a decoder after checking that the path is a non-empty regular file, and checks the header's size against
    /// <see cref="InputLimits"/> and against the bytes present, before any pixel buffer is allocated.
    /// </summary>
    private static SKCodec OpenCodec(string path, out long fileBytes)
    {
        fileBytes = InputFiles.CheckRegular(path, "Image file");
        var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"Image file {path}: not a decodable image (PNG/JPEG/WebP/BMP expected).");
        try { InputLimits.CheckImageSize(codec.Info.Width, codec.Info.Height, fileBytes, $"Image file {path}"); }
        catch { codec.Dispose(); throw; }
        return codec;
    }

    /// <summary>
    /// Loads an image as colour H×W×3 composited over <paramref name="background"/> (3 values in [0, 1]) plus alpha
    /// H×W when the file has an alpha channel. When a target size is given and differs from the file's, the image is
    /// resampled with an exact area (box) filter on premultiplied colour, which is the anti-aliased downscale.
    /// </summary>
    /// <exception cref="InvalidDataException">As for <see cref="ReadInfo"/>, or the image is truncated or corrupt (it is
    /// refused, never partially decoded).</exception>
    public static SceneImage Load(string path, ReadOnlySpan<float> background, int? width = null, int? height = null)
    {
        if (background.Length != 3) throw new ArgumentException($"Background must have 3 values (RGB), got {background.Length}.", nameof(background));
        using var codec = OpenCodec(path, out _);
        int w = codec.Info.Width, h = codec.Info.Height;
        bool hasAlpha = codec.Info.AlphaType != SKAlphaType.Opaque;
        int tw = width ?? w, th = height ?? h;
        if (tw <= 0 || th <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Target size must be positive, got {tw}×{th}.");
        if (tw > InputLimits.MaxImageSide || th > InputLimits.MaxImageSide || (long)tw * th > InputLimits.MaxImagePixels)
            throw new ArgumentOutOfRangeException(nameof(width), $"Target size {tw}×{th} for {path} exceeds the image limit ({InputLimits.MaxImageSide} per side, {InputLimits.MaxImagePixels} pixels).");
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        // A truncated file decodes partially (IncompleteInput, the rest left blank): refuse it instead of using it.
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"Image file {path}: decoding failed ({result}); the image is truncated or corrupt.");
        var bytes = bitmap.GetPixelSpan();

        if (tw == w && th == h) return CompositeDirect(bytes, w, h, hasAlpha, background);

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
        var rows = AreaResize(premul, h, w * 4, th, 1, 1);
        var small = AreaResize(rows, th, w, tw, 4, 0);
        int m = tw * th;
        var rgb = new float[(long)m * 3];
        var alpha = hasAlpha ? new float[m] : null;
        for (int i = 0; i < m; i++)
        {
            float a = Math.Clamp(small[i * 4 + 3], 0f, 1f), ia = 1 - a;
            for (int c = 0; c < 3; c++) rgb[i * 3 + c] = Math.Clamp(small[i * 4 + c] + background[c] * ia, 0f, 1f);
            if (alpha is not null) alpha[i] = a;
        }
        return new SceneImage(torch.tensor(rgb, new long[] { th, tw, 3 }), alpha is null ? null : torch.tensor(alpha, new long[] { th, tw }));
    }

    // Full-resolution path: composite straight from the bytes, c·a + bg·(1 − a), as the reference loaders do.
    private static SceneImage CompositeDirect(ReadOnlySpan<byte> bytes, int w, int h, bool hasAlpha, ReadOnlySpan<float> background)
    {
        int n = w * h;
        var rgb = new float[(long)n * 3];
        var alpha = hasAlpha ? new float[n] : null;
        const float inv = 1f / 255f;
        float b0 = background[0], b1 = background[1], b2 = background[2];
        for (int i = 0; i < n; i++)
        {
            float a = bytes[i * 4 + 3] * inv, ia = 1 - a;
            rgb[i * 3 + 0] = bytes[i * 4 + 0] * inv * a + b0 * ia;
            rgb[i * 3 + 1] = bytes[i * 4 + 1] * inv * a + b1 * ia;
            rgb[i * 3 + 2] = bytes[i * 4 + 2] * inv * a + b2 * ia;
            if (alpha is not null) alpha[i] = a;
        }
        return new SceneImage(torch.tensor(rgb, new long[] { h, w, 3 }), alpha is null ? null : torch.tensor(alpha, new long[] { h, w }));
    }

    /// <summary>Resamples an H×W×C tensor to <paramref name="height"/>×<paramref name="width"/> by exact area averaging.</summary>
    public static Tensor AreaResize(Tensor image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.ndim != 3) throw new ArgumentException($"image must be H×W×C, got [{string.Join(",", image.shape)}].", nameof(image));
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"Target size must be positive, got {width}×{height}.");
        int h = (int)image.shape[0], w = (int)image.shape[1], c = (int)image.shape[2];
        float[] src;
        using (var cpu = image.detach().to(CPU).to_type(ScalarType.Float32).contiguous()) src = cpu.data<float>().ToArray();
        var rows = AreaResize(src, h, w * c, height, 1, 1);      // vertical pass: rows of w·c values
        var result = AreaResize(rows, height, w, width, c, 0);   // horizontal pass within each row
        return torch.tensor(result, new long[] { height, width, c });
    }

    // Separable area filter along one axis. Vertical (mode 1): the data is inSize rows of `inner` values. Horizontal
    // (mode 0): `outer` rows of inSize pixels of `inner` channels. Output interval [i·s, (i+1)·s), s = in/out, averages
    // the inputs it overlaps, weighted by overlap length; each output touches at most ⌈s⌉ + 1 inputs.
    private static float[] AreaResize(float[] src, int outerOrIn, int inOrInner, int outSize, int inner, int mode)
    {
        if (mode == 1)
        {
            int inSize = outerOrIn, len = inOrInner;
            var dst = new float[(long)outSize * len];
            double s = (double)inSize / outSize;
            for (int i = 0; i < outSize; i++)
            {
                double lo = i * s, hi = (i + 1) * s;
                var o = dst.AsSpan(i * len, len);
                for (int j = (int)Math.Floor(lo); j < Math.Min(inSize, (int)Math.Ceiling(hi)); j++)
                {
                    float wgt = (float)((Math.Min(hi, j + 1) - Math.Max(lo, j)) / s);
                    if (wgt <= 0) continue;
                    var row = src.AsSpan(j * len, len);
                    for (int k = 0; k < len; k++) o[k] += wgt * row[k];
                }
            }
            return dst;
        }
        else
        {
            int outer = outerOrIn, inSize = inOrInner;
            var dst = new float[(long)outer * outSize * inner];
            double s = (double)inSize / outSize;
            for (int i = 0; i < outSize; i++)
            {
                double lo = i * s, hi = (i + 1) * s;
                for (int j = (int)Math.Floor(lo); j < Math.Min(inSize, (int)Math.Ceiling(hi)); j++)
                {
                    float wgt = (float)((Math.Min(hi, j + 1) - Math.Max(lo, j)) / s);
                    if (wgt <= 0) continue;
                    for (int r = 0; r < outer; r++)
                    {
                        int so = (r * inSize + j) * inner, d = (r * outSize + i) * inner;
                        for (int k = 0; k < inner; k++) dst[d + k] += wgt * src[so + k];
                    }
                }
            }
            return dst;
        }
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
        AtomicFile.Write(path, stream =>
        {
            if (!bitmap.Encode(stream, SKEncodedImageFormat.Png, 100)) throw new IOException($"Encoding PNG {path} failed.");
        });
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round((float.IsNaN(v) ? 0 : v) * 255f), 0, 255);
}
