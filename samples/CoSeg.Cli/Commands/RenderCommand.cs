using System.Globalization;
using CoSeg.Gaussians;
using CoSeg.Rendering;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Cli.Commands;

/// <summary>
/// `coseg render --ply FILE --out DIR [--width W --height H] [--views N] [--backend B]`: writes orbit views of a
/// Gaussian scene as PNG files (look-at cameras circling the scene's robust centre).
/// </summary>
internal sealed class RenderCommand : ICliCommand
{
    public string Name => "render";
    public string Summary => "render orbit views of a 3DGS PLY to PNG files";

    public IReadOnlyList<CliOption> Options { get; } = new[]
    {
        new CliOption("ply", "FILE", "3DGS PLY file", Required: true, IsPath: true),
        new CliOption("out", "DIR", "output folder (created if missing)", Required: true, IsPath: true, MustExist: false),
        new CliOption("width", "W", "image width in pixels (default 800)"),
        new CliOption("height", "H", "image height in pixels (default 800)"),
        new CliOption("views", "N", "number of orbit views (default 8)"),
        new CliOption("backend", "B", CliBackends.Help),
        new CliOption("up", "X,Y,Z", "world up direction of the orbit (default 0,-1,0, COLMAP-style scenes)"),
        new CliOption("distance", "D", "orbit radius as a multiple of the scene's median extent (default 3)"),
        new CliOption("white", null, "white background instead of black"),
    };

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        int width = args.GetInt("width", 800), height = args.GetInt("height", 800), views = args.GetInt("views", 8);
        if (width < 1 || height < 1) throw new CliUsageException($"image size must be positive, got {width}×{height}");
        if (views < 1) throw new CliUsageException($"option '--views' must be ≥ 1, got {views}");
        string backend = CliBackends.Get(args);
        double distance = args.GetDouble("distance", 3);
        if (!(distance > 0)) throw new CliUsageException("option '--distance' must be positive");
        var up = ParseVector(args.Get("up") ?? "0,-1,0");
        string outDir = args.Require("out");
        Directory.CreateDirectory(outDir);

        using var scene = GaussianScene.LoadPly(args.Require("ply"));
        if (scene.Count == 0) throw new CliUsageException("the PLY file has no Gaussians");
        (double X, double Y, double Z) centre;
        double extent;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var c = new[] { 0, 1, 2 }.Select(i => (double)scene.Means[.., i].median().item<float>()).ToArray();
            centre = (c[0], c[1], c[2]);
            var ct3 = torch.tensor(c.Select(v => (float)v).ToArray());
            extent = Math.Max(1e-3, (scene.Means - ct3).norm(1).median().item<float>());
        }
        var bg = args.Has("white") ? new[] { 1f, 1f, 1f } : null;
        var options = new RenderOptions { Backend = backend, Settings = new RasterSettings { Background = bg } };
        var cameras = LookAtCamera.Orbit(centre, distance * extent, up, views, width, height);
        for (int i = 0; i < cameras.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            using var noGrad = torch.no_grad();
            using var result = Rasterizer.Render(scene, cameras[i], options);
            string file = Path.Combine(outDir, $"view_{i:D3}.png");
            SavePng(result.Image, file);
            Console.WriteLine($"{file}  {sw.Elapsed.TotalSeconds:F2} s  visible {result.Radii.count_nonzero().item<long>()}/{scene.Count}");
        }
        return Task.FromResult(0);
    }

    private static (double X, double Y, double Z) ParseVector(string s)
    {
        var parts = s.Split(',');
        if (parts.Length != 3 || !parts.All(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            throw new CliUsageException($"option '--up' expects X,Y,Z, got '{s}'");
        var v = parts.Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (v[0] * v[0] + v[1] * v[1] + v[2] * v[2] < 1e-12) throw new CliUsageException("option '--up' must not be zero");
        return (v[0], v[1], v[2]);
    }

    /// <summary>Writes an H×W×3 float image in [0, 1] as an 8-bit RGBA PNG.</summary>
    internal static void SavePng(Tensor image, string file)
    {
        int h = (int)image.shape[0], w = (int)image.shape[1];
        byte[] rgb;
        using (var scope = torch.NewDisposeScope())
            rgb = (image.detach().cpu().clamp(0, 1) * 255 + 0.5).to(ScalarType.Byte).contiguous().data<byte>().ToArray();
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = new byte[w * h * 4];
        for (int p = 0; p < w * h; p++)
        {
            pixels[4 * p] = rgb[3 * p]; pixels[4 * p + 1] = rgb[3 * p + 1]; pixels[4 * p + 2] = rgb[3 * p + 2]; pixels[4 * p + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bmp.GetPixels(), pixels.Length);
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        using var fs = File.Create(file);
        data.SaveTo(fs);
    }
}
