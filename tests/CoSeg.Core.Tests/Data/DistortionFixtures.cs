using CoSeg.Geometry;
using SkiaSharp;

namespace CoSeg.Tests.Data;

/// <summary>
/// Makes distorted images with known lens coefficients: each distorted pixel looks up the ideal point its ray comes
/// from (the lens model's inverse) and takes the ideal image's value there — a closed-form function of the ideal
/// normalised coordinates, or a bilinear sample of an ideal (pinhole) image.
/// </summary>
internal static class DistortionFixtures
{
    /// <summary>A smooth test pattern over ideal normalised coordinates, channel c, in [0.1, 0.9].</summary>
    public static float Smooth(double x, double y, int c) => (float)(0.5 + 0.4 * Math.Sin(3 * x + c) * Math.Cos(2.5 * y - 0.7 * c));

    /// <summary>
    /// The distorted image (H×W×C, row-major) of the closed-form pattern <paramref name="ideal"/> for a camera with
    /// the given intrinsics and lens; pixels whose ray the lens cannot invert get <paramref name="fill"/>.
    /// </summary>
    public static float[] DistortPattern(int w, int h, int c, double fx, double fy, double cx, double cy, LensDistortion lens,
                                         Func<double, double, int, float> ideal, float fill = 0)
    {
        var img = new float[w * h * c];
        for (int row = 0; row < h; row++)
            for (int col = 0; col < w; col++)
            {
                var (x, y) = lens.Undistort((col + 0.5 - cx) / fx, (row + 0.5 - cy) / fy);
                for (int k = 0; k < c; k++) img[(row * w + col) * c + k] = double.IsFinite(x) ? ideal(x, y, k) : fill;
            }
        return img;
    }

    /// <summary>
    /// Distorts an ideal pinhole image (H×W×C float, same size and intrinsics as the distorted camera) by bilinear
    /// sampling; rays landing outside it get <paramref name="fill"/> (C values).
    /// </summary>
    public static float[] DistortImage(float[] ideal, int w, int h, int c, double fx, double fy, double cx, double cy, LensDistortion lens, float[] fill)
    {
        var img = new float[w * h * c];
        Parallel.For(0, h, row =>
        {
            for (int col = 0; col < w; col++)
            {
                var (x, y) = lens.Undistort((col + 0.5 - cx) / fx, (row + 0.5 - cy) / fy);
                double u = fx * x + cx - 0.5, v = fy * y + cy - 0.5;
                int o = (row * w + col) * c;
                if (!double.IsFinite(u) || u < -0.5 || v < -0.5 || u > w - 0.5 || v > h - 0.5) { for (int k = 0; k < c; k++) img[o + k] = fill[k]; continue; }
                u = Math.Clamp(u, 0, w - 1); v = Math.Clamp(v, 0, h - 1);
                int x0 = (int)u, y0 = (int)v, x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
                double fu = u - x0, fv = v - y0;
                for (int k = 0; k < c; k++)
                {
                    double a = ideal[(y0 * w + x0) * c + k], b = ideal[(y0 * w + x1) * c + k], d = ideal[(y1 * w + x0) * c + k], e = ideal[(y1 * w + x1) * c + k];
                    img[o + k] = (float)((a + fu * (b - a)) * (1 - fv) + (d + fu * (e - d)) * fv);
                }
            }
        });
        return img;
    }

    /// <summary>Writes an H×W×3 (or ×4, unpremultiplied) float image in [0, 1] as an 8-bit PNG.</summary>
    public static void WritePng(string path, float[] img, int w, int h, int c)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, c == 4 ? SKAlphaType.Unpremul : SKAlphaType.Opaque));
        var px = new byte[w * h * 4];
        for (int i = 0; i < w * h; i++)
        {
            for (int k = 0; k < 3; k++) px[i * 4 + k] = (byte)Math.Clamp((int)Math.Round(img[i * c + k] * 255), 0, 255);
            px[i * 4 + 3] = c == 4 ? (byte)Math.Clamp((int)Math.Round(img[i * c + 3] * 255), 0, 255) : (byte)255;
        }
        System.Runtime.InteropServices.Marshal.Copy(px, 0, bmp.GetPixels(), px.Length);
        using var fs = File.Create(path);
        Assert.True(bmp.Encode(fs, SKEncodedImageFormat.Png, 100));
    }
}
