using System.Diagnostics;
using CoSeg.Gaussians;
using CoSeg.Rendering;
using CoSeg.Rendering.Native;
using CoSeg.Viewing;
using CoSeg.Viewing.Server;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CoSeg.Tests.Viewing;

/// <summary>
/// Frame time of the viewer (render + encode) at 800×600 for a 100k-Gaussian SH-degree-3 scene on the native backend.
/// A measurement, not a check: runs only with COSEG_VIEWER_BENCH=1 (and the native library).
/// </summary>
public class ViewerFrameTimeTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Frame_time_800x600_100k()
    {
        Skip.If(Environment.GetEnvironmentVariable("COSEG_VIEWER_BENCH") != "1", "set COSEG_VIEWER_BENCH=1 to measure the viewer's frame time");
        Skip.If(!RasterizerBackends.NativeAvailable(), "native rasterizer library not built/loadable");
        int n = 100_000, w = 800, h = 600;
        var (inputs, camera) = SyntheticSplatScene.Create(n, w, h, 3, seed: 1);
        var gen = new Generator(7);
        var sh = randn(n, 16, 3, generator: gen) * 0.2f;
        var scene = new GaussianScene(inputs.Means, inputs.Scales.log(), inputs.Quats, (inputs.Opacities / (1 - inputs.Opacities)).log(), sh);
        var ids = Enumerable.Range(0, n).Select(i => 1 + i % 12).ToArray();
        using var view = new ViewerScene(scene, ids, ownsScene: true);
        var renderer = new FrameRenderer(view, new ViewerOptions { Backend = "native" });
        foreach (var mode in new[] { DisplayMode.Rgb, DisplayMode.Segments, DisplayMode.Blend })
        {
            var request = new ViewRequest { Camera = camera, Mode = mode, Selected = mode == DisplayMode.Blend ? 3 : null };
            renderer.Render(request); // warm-up
            var totals = new List<double>();
            double render = 0, encode = 0;
            const int frames = 10;
            for (int i = 0; i < frames; i++)
            {
                var sw = Stopwatch.StartNew();
                var f = renderer.Render(request);
                totals.Add(sw.Elapsed.TotalMilliseconds);
                render += f.RenderMs; encode += f.EncodeMs;
            }
            totals.Sort();
            output.WriteLine($"{mode,-9} {w}×{h} N={n}: median {totals[frames / 2]:F1} ms/frame (mean render {render / frames:F1} ms, encode {encode / frames:F1} ms, JPEG)");
        }
        var native = new RenderOptions { Backend = "native" };
        double Time(Action a) { a(); var t = Stopwatch.StartNew(); for (int i = 0; i < 5; i++) a(); return t.Elapsed.TotalMilliseconds / 5; }
        using (no_grad())
        {
            var colors = Rasterizer.ViewColors(scene, camera, native);
            output.WriteLine($"stages: SH colours {Time(() => Rasterizer.ViewColors(scene, camera, native).Dispose()):F1} ms, " +
                             $"RenderChannels {Time(() => Rasterizer.RenderChannels(scene, colors, camera, native).Dispose()):F1} ms, " +
                             $"Render {Time(() => Rasterizer.Render(scene, camera, native).Dispose()):F1} ms");
        }
        var sw2 = Stopwatch.StartNew();
        for (int i = 0; i < 5; i++) view.Pick(camera, w / 2, h / 2, new RenderOptions { Backend = "native" });
        output.WriteLine($"pick {w}×{h}: {sw2.Elapsed.TotalMilliseconds / 5:F1} ms");
    }
}
