using System.Diagnostics;
using CoSeg.Rendering;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Viewing.Server;

/// <summary>One encoded frame and how long it took.</summary>
internal sealed record EncodedFrame(byte[] Bytes, string ContentType, double RenderMs, double EncodeMs);

/// <summary>
/// Renders a <see cref="ViewRequest"/> with the library's rasterizer and encodes it: per-Gaussian colours for the mode
/// (view-dependent SH colours, segment colours, or their mix; other segments dimmed around a selection), blended by
/// <see cref="Rasterizer.RenderChannels"/> in one pass, then JPEG or PNG via SkiaSharp.
/// </summary>
internal sealed class FrameRenderer(ViewerScene scene, ViewerOptions options)
{
    private const float Dim = 0.3f;

    public EncodedFrame Render(ViewRequest request)
    {
        var sw = Stopwatch.StartNew();
        byte[] rgba;
        int w = request.Camera.Width, h = request.Camera.Height;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var display = scene.DisplayScene(request.Hidden);
            var colors = Colors(request, display);
            var bg = scene.Background ?? options.Background;
            var renderOptions = new RenderOptions { Backend = options.Backend, Settings = new RasterSettings { Background = new[] { bg.R, bg.G, bg.B } } };
            using var result = Rasterizer.RenderChannels(display, colors, request.Camera, renderOptions);
            var bytes = (result.Image.clamp(0, 1) * 255 + 0.5).to(ScalarType.Byte);
            var alpha = torch.full(h, w, 1, 255, dtype: ScalarType.Byte);
            rgba = torch.cat(new[] { bytes, alpha }, 2).contiguous().data<byte>().ToArray();
        }
        double renderMs = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, rgba);
        using var data = image.Encode(request.Png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, request.Png ? 100 : options.JpegQuality);
        var encoded = data.ToArray();
        return new EncodedFrame(encoded, request.Png ? "image/png" : "image/jpeg", renderMs, sw.Elapsed.TotalMilliseconds);
    }

    private Tensor Colors(ViewRequest request, CoSeg.Gaussians.GaussianScene display)
    {
        var shOptions = new RenderOptions { Backend = options.Backend };
        Tensor colors = request.Mode switch
        {
            DisplayMode.Segments => scene.PaletteTensor(),
            DisplayMode.Blend => 0.5f * Rasterizer.ViewColors(display, request.Camera, shOptions).clamp(0, 1) + 0.5f * scene.PaletteTensor(),
            _ => Rasterizer.ViewColors(display, request.Camera, shOptions),
        };
        if (request.Selected is { } sel && scene.HasSegments)
        {
            var mask = scene.SegmentIdTensor().eq(sel).unsqueeze(1);
            colors = torch.where(mask, colors, colors * Dim);
        }
        return colors;
    }
}
