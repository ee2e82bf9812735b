using System.Text.Json.Nodes;
using CoSeg.Gaussians;
using CoSeg.Viewing;
using CoSeg.Viewing.Server;
using SkiaSharp;
using Xunit.Abstractions;

namespace CoSeg.Tests.Viewing;

/// <summary>
/// The viewer page in a real headless Chromium (Debian's <c>chromium</c>; .ci/run installs it): it loads, shows frames
/// with the segments' colours, and a real click on a pixel whose segment is known makes the page report that id.
/// </summary>
public class ViewerBrowserTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task Page_shows_segments_and_click_selects_the_known_segment()
    {
        var exe = HeadlessChromium.Find();
        Skip.If(exe is null, "no Chromium found (install Debian's chromium package or set COSEG_CHROMIUM)");
        using var scene = ViewerTestScenes.Viewer();
        await using var viewer = await SceneViewer.StartAsync(scene);
        await viewer.Loaded;
        await using var browser = await HeadlessChromium.LaunchAsync(exe!, 900, 600, Timeout);
        await browser.NavigateAsync(new Uri(viewer.Url, "?mode=segments").ToString());
        await browser.WaitForAsync("document.body.dataset.frames >= 1", Timeout);
        var png = await browser.ScreenshotAsync();
        var (frameW, frameH, rect) = await FrameGeometry(browser);
        output.WriteLine($"frame {frameW}×{frameH} shown at {rect}");

        using (var shot = SKBitmap.Decode(png))
        {
            var (distinct, counts) = ColourStats(shot, rect, scene.Segments.Select(s => s.Color).ToArray());
            output.WriteLine($"distinct colours {distinct}; palette pixel counts {string.Join(", ", counts)}");
            Assert.True(distinct > 20, $"the frame looks blank ({distinct} distinct colours)");
            for (int i = 0; i < counts.Length; i++)
                Assert.True(counts[i] > 300, $"segment {scene.Segments[i].Id}'s colour covers only {counts[i]} pixels");
        }

        // Real clicks: the image centre is segment 3 (the near cluster), 60/320 of the width from the left is segment 1.
        foreach (var (u, expected) in new[] { (0.5, 3), (60.0 / 320, 1) })
        {
            double x = rect.Left + u * rect.Width, y = rect.Top + 0.5 * rect.Height;
            await browser.ClickAsync(x, y);
            var id = await browser.WaitForAsync($"document.getElementById('sel-id').textContent === '{expected}' ? '{expected}' : ''", Timeout);
            Assert.Equal(expected.ToString(), id.GetValue<string>());
            Assert.Equal("40", (await browser.EvaluateAsync("document.getElementById('sel-count').textContent"))!.GetValue<string>());
            Assert.Contains($"{0.5 + 0.1 * expected:F3}", (await browser.EvaluateAsync("document.getElementById('sel-conf').textContent"))!.GetValue<string>());
        }
        var frameTime = (await browser.EvaluateAsync("document.getElementById('frame-time').textContent"))!.GetValue<string>();
        Assert.Contains("ms", frameTime);
    }

    /// <summary>
    /// Not a check: with COSEG_VIEWER_DOCS_PLY (and optionally COSEG_VIEWER_DOCS_DATA, COSEG_VIEWER_DOCS_OUT) set, opens the
    /// viewer on that scene, clicks the image centre and saves a screenshot (how docs/images/viewer.png is made).
    /// </summary>
    [SkippableFact]
    public async Task Docs_screenshot()
    {
        var ply = Environment.GetEnvironmentVariable("COSEG_VIEWER_DOCS_PLY");
        Skip.If(string.IsNullOrEmpty(ply), "set COSEG_VIEWER_DOCS_PLY to take the documentation screenshot");
        var exe = HeadlessChromium.Find();
        Skip.If(exe is null, "no Chromium found");
        var data = Environment.GetEnvironmentVariable("COSEG_VIEWER_DOCS_DATA");
        var outPath = Environment.GetEnvironmentVariable("COSEG_VIEWER_DOCS_OUT") ?? Path.Combine(Path.GetTempPath(), "viewer.png");
        var mode = Environment.GetEnvironmentVariable("COSEG_VIEWER_DOCS_MODE") ?? "blend";
        var cameraIndex = Environment.GetEnvironmentVariable("COSEG_VIEWER_DOCS_CAMERA") ?? "0";
        var loaded = GaussianScene.LoadPly(ply!);
        IReadOnlyList<CoSeg.Geometry.Camera>? cameras = null;
        (float, float, float)? bg = null;
        if (!string.IsNullOrEmpty(data))
        {
            using var ds = CoSeg.Data.DatasetLoader.Load(data);
            cameras = ds.Test.Concat(ds.Train).Select(v => v.Camera).ToArray();
            if (ds.Background.Length == 3) bg = (ds.Background[0], ds.Background[1], ds.Background[2]);
        }
        using var scene = loaded.ExtraProperties.ContainsKey("label")
            ? ViewerScene.FromLabelledScene(loaded, cameras, ownsScene: true) : new ViewerScene(loaded, cameras: cameras, ownsScene: true);
        scene.Background = bg;
        await using var viewer = await SceneViewer.StartAsync(scene);
        await using var browser = await HeadlessChromium.LaunchAsync(exe!, 960, 640, TimeSpan.FromSeconds(60));
        await browser.NavigateAsync(new Uri(viewer.Url, $"?mode={mode}&camera={cameraIndex}").ToString());
        await browser.WaitForAsync("document.body.dataset.frames >= 1", TimeSpan.FromSeconds(60));
        var (_, _, rect) = await FrameGeometry(browser);
        if (scene.HasSegments)
        {
            await browser.ClickAsync(rect.Left + 0.5 * rect.Width, rect.Top + 0.55 * rect.Height);
            await browser.WaitForAsync("document.body.dataset.selected", TimeSpan.FromSeconds(60));
            var frames = (await browser.EvaluateAsync("+document.body.dataset.frames"))!.GetValue<double>();
            await browser.WaitForAsync($"+document.body.dataset.frames > {frames}", TimeSpan.FromSeconds(60));
        }
        await File.WriteAllBytesAsync(outPath, await browser.ScreenshotAsync());
        output.WriteLine($"wrote {outPath}");
    }

    /// <summary>The displayed frame's size and where it is drawn in the viewport (object-fit: contain).</summary>
    private static async Task<(int W, int H, SKRect Rect)> FrameGeometry(HeadlessChromium browser)
    {
        var g = (await browser.EvaluateAsync(
            "(() => { const r = document.getElementById('frame').getBoundingClientRect(); const b = document.body.dataset;" +
            " return { w: +b.frameW, h: +b.frameH, left: r.left, top: r.top, width: r.width, height: r.height }; })()"))!;
        int w = g["w"]!.GetValue<int>(), h = g["h"]!.GetValue<int>();
        double left = g["left"]!.GetValue<double>(), top = g["top"]!.GetValue<double>(), bw = g["width"]!.GetValue<double>(), bh = g["height"]!.GetValue<double>();
        double s = Math.Min(bw / w, bh / h);
        double ox = left + (bw - w * s) / 2, oy = top + (bh - h * s) / 2;
        return (w, h, SKRect.Create((float)ox, (float)oy, (float)(w * s), (float)(h * s)));
    }

    private static (int Distinct, int[] PaletteCounts) ColourStats(SKBitmap bmp, SKRect rect, (byte R, byte G, byte B)[] palette)
    {
        var distinct = new HashSet<int>();
        var counts = new int[palette.Length];
        for (int y = (int)rect.Top; y < (int)rect.Bottom && y < bmp.Height; y++)
            for (int x = (int)rect.Left; x < (int)rect.Right && x < bmp.Width; x++)
            {
                var c = bmp.GetPixel(x, y);
                distinct.Add((c.Red >> 3) << 10 | (c.Green >> 3) << 5 | (c.Blue >> 3));
                for (int i = 0; i < palette.Length; i++)
                    if (Math.Abs(c.Red - palette[i].R) < 40 && Math.Abs(c.Green - palette[i].G) < 40 && Math.Abs(c.Blue - palette[i].B) < 40) counts[i]++;
            }
        return (distinct.Count, counts);
    }
}
