using System.Globalization;
using System.Text;
using System.Text.Json;
using CoSeg.Data;
using CoSeg.Geometry;
using CoSeg.Tests.Infrastructure;
using SkiaSharp;

namespace CoSeg.Tests.Data;

/// <summary>
/// Makes an instant-ngp capture with OpenCV lens distortion and missing images from the lego training views (the
/// acceptance scene of issue 13), plus the matching undistorted capture of the same frames, and checks how they load.
/// Set COSEG_DISTORTED_LEGO_OUT to keep the captures (e.g. to reconstruct them with the CLI).
/// </summary>
public class DistortedLegoCaptureTests
{
    /// <summary>The lens used for the capture (normalised coordinates).</summary>
    public static readonly RadialTangentialDistortion Lens = new(k1: -0.25, k2: 0.08, p1: 0.002, p2: -0.0015);
    /// <summary>Frames whose images are left out of the full capture.</summary>
    public static readonly int[] Missing = { 7, 42, 77 };

    /// <summary>
    /// Writes <c>distorted/transforms.json</c> (fl_x, fl_y, cx, cy, k1, k2, p1, p2; all frames, images of
    /// <see cref="Missing"/> not written) with distorted RGBA PNGs, and <c>pinhole/transforms.json</c> naming the
    /// original images of the frames that have one. Returns the two folders.
    /// </summary>
    public static (string Distorted, string Pinhole) Write(string legoDir, string outDir, int? maxFrames = null, int[]? missing = null)
    {
        var absent = missing ?? DistortedLegoCaptureTests.Missing;
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(legoDir, "transforms_train.json")));
        double angle = doc.RootElement.GetProperty("camera_angle_x").GetDouble();
        var frames = doc.RootElement.GetProperty("frames").EnumerateArray().Take(maxFrames ?? int.MaxValue).ToList();
        string dist = Path.Combine(outDir, "distorted"), pin = Path.Combine(outDir, "pinhole");
        Directory.CreateDirectory(Path.Combine(dist, "images")); Directory.CreateDirectory(pin);
        var inv = CultureInfo.InvariantCulture;
        int w = 0, h = 0; double f = 0;
        var distFrames = new List<string>(); var pinFrames = new List<string>();
        var images = new string[frames.Count];
        for (int i = 0; i < frames.Count; i++) images[i] = Path.GetFullPath(Path.Combine(legoDir, frames[i].GetProperty("file_path").GetString()! + ".png"));
        (w, h, _) = ImageFiles.ReadInfo(images[0]);
        f = PoseConversions.FocalFromFieldOfView(angle, w);
        double c = w / 2.0, cy = h / 2.0;
        Parallel.For(0, frames.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            if (absent.Contains(i)) return;
            var (rgba, iw, ih) = ReadRgbaPremultiplied(images[i]);
            var d = DistortionFixtures.DistortImage(rgba, iw, ih, 4, f, f, c, cy, Lens, new float[] { 0, 0, 0, 0 });
            for (int p = 0; p < iw * ih; p++)
            {
                float a = d[p * 4 + 3];
                for (int k = 0; k < 3; k++) d[p * 4 + k] = a > 1e-6f ? Math.Clamp(d[p * 4 + k] / a, 0, 1) : 0;
            }
            DistortionFixtures.WritePng(Path.Combine(dist, "images", $"r_{i}.png"), d, iw, ih, 4);
        });
        for (int i = 0; i < frames.Count; i++)
        {
            string m = frames[i].GetProperty("transform_matrix").GetRawText();
            distFrames.Add($"{{\"file_path\": \"images/r_{i}.png\", \"transform_matrix\": {m}}}");
            if (!absent.Contains(i)) pinFrames.Add($"{{\"file_path\": {JsonSerializer.Serialize(images[i])}, \"transform_matrix\": {m}}}");
        }
        string Intr(bool lens) => string.Create(inv, $"\"fl_x\": {f:R}, \"fl_y\": {f:R}, \"cx\": {c:R}, \"cy\": {cy:R}, \"w\": {w}, \"h\": {h}")
            + (lens ? string.Create(inv, $", \"k1\": {Lens.K1:R}, \"k2\": {Lens.K2:R}, \"p1\": {Lens.P1:R}, \"p2\": {Lens.P2:R}") : "");
        File.WriteAllText(Path.Combine(dist, "transforms.json"), $"{{{Intr(true)}, \"frames\": [\n{string.Join(",\n", distFrames)}]}}\n");
        File.WriteAllText(Path.Combine(pin, "transforms.json"), $"{{{Intr(false)}, \"frames\": [\n{string.Join(",\n", pinFrames)}]}}\n");
        return (dist, pin);
    }

    private static (float[] Rgba, int W, int H) ReadRgbaPremultiplied(string path)
    {
        using var bmp = SKBitmap.Decode(path);
        using var conv = new SKBitmap(new SKImageInfo(bmp.Width, bmp.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Assert.True(bmp.CopyTo(conv, SKColorType.Rgba8888));
        var px = conv.GetPixelSpan();
        var o = new float[bmp.Width * bmp.Height * 4];
        for (int p = 0; p < bmp.Width * bmp.Height; p++)
        {
            float a = px[p * 4 + 3] / 255f;
            for (int k = 0; k < 3; k++) o[p * 4 + k] = px[p * 4 + k] / 255f * a;
            o[p * 4 + 3] = a;
        }
        return (o, bmp.Width, bmp.Height);
    }

    [SkippableFact]
    [Trait("Category", "Slow")]
    public void DistortedLegoCapture_FailsNamingMissingFiles_AndLoadsWithSkip()
    {
        string lego = SharedData.Require("nerf_synthetic/lego");
        string? keep = Environment.GetEnvironmentVariable("COSEG_DISTORTED_LEGO_OUT");
        using var tmp = new TempDir();
        // The full capture (100 frames) when kept; a 10-frame one otherwise, to keep the test short.
        var missing = keep is null ? new[] { 2, 5, 7 } : Missing;
        var (dist, _) = Write(lego, keep ?? tmp.Path, keep is null ? 10 : null, missing);
        var e = Assert.Throws<FileNotFoundException>(() => DatasetLoader.Load(dist, new DatasetLoadOptions { Downscale = 8 }));
        Assert.Contains("3 of", e.Message);
        Assert.Contains(string.Join(", ", missing.Select(i => $"images/r_{i}.png")), e.Message);
        using var ds = DatasetLoader.Load(dist, new DatasetLoadOptions { Downscale = 8, SkipMissingImages = true });
        Assert.Equal(3, ds.SkippedImages.Count);
        Assert.All(ds.Train, v => Assert.True(v.Undistorted));
        using var img = ds.Train[0].LoadImage();
        Assert.Equal(100, img.Width);
    }
}
