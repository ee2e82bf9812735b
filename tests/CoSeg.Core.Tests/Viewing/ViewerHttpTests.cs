using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CoSeg.Gaussians;
using CoSeg.Tests.Infrastructure;
using CoSeg.Viewing;
using CoSeg.Viewing.Server;
using SkiaSharp;

namespace CoSeg.Tests.Viewing;

/// <summary>The viewer's HTTP surface on an in-process server (ephemeral loopback port): page, API, validation, security.</summary>
public sealed class ViewerHttpTests : IAsyncLifetime
{
    private SceneViewer _viewer = null!;
    private ViewerScene _scene = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _scene = ViewerTestScenes.Viewer();
        _viewer = await SceneViewer.StartAsync(_scene, new ViewerOptions { Backend = "auto" });
        await _viewer.Loaded;
        _http.BaseAddress = _viewer.Url;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _viewer.DisposeAsync();
        _scene.Dispose();
    }

    private static string CameraQuery(int w = 320, int h = 240)
    {
        var cam = ViewerTestScenes.Camera(w, h);
        return $"w={w}&h={h}&fx={cam.Fx}&fy={cam.Fy}&cx={cam.Cx}&cy={cam.Cy}&eye=0,-5,0&target=0,0,0&up=0,0,1";
    }

    [Fact]
    public async Task Root_returns_the_page_and_its_assets()
    {
        var page = await _http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>CoSeg viewer</title>", html);
        Assert.Contains("viewer.js", html);
        foreach (var asset in new[] { "/viewer.js", "/viewer.css" })
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(asset)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/index.html.bak")).StatusCode);
    }

    [Theory]
    [InlineData("/../../../../etc/passwd")]
    [InlineData("/%2e%2e/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd")]
    [InlineData("/viewer.js/../../../etc/passwd")]
    [InlineData("/..%5c..%5cWindows%5cwin.ini")]
    [InlineData("//etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("/C:/Windows/win.ini")]
    [InlineData("http://127.0.0.1/../../etc/passwd")]
    [InlineData("/api/segments/..%2f..%2fetc%2fpasswd/ply")]
    public async Task Path_traversal_attempts_are_refused(string target)
    {
        // Raw request line: HttpClient would normalise the dot segments away before sending.
        var (status, body) = await RawGet(_viewer.Url, target);
        Assert.InRange(status, 400, 499);
        Assert.DoesNotContain("root:", body);
    }

    [Theory]
    [InlineData("", "Missing query parameter 'w'")]
    [InlineData("w=NaN&h=240&fx=300&fy=300&eye=0,-5,0&target=0,0,0&up=0,0,1", "'w' must be an integer")]
    [InlineData("w=0&h=240&fx=300&fy=300&eye=0,-5,0&target=0,0,0&up=0,0,1", "out of range")]
    [InlineData("w=5000&h=240&fx=300&fy=300&eye=0,-5,0&target=0,0,0&up=0,0,1", "4096")]
    [InlineData("w=320&h=99999999999&fx=300&fy=300&eye=0,-5,0&target=0,0,0&up=0,0,1", "out of range")]
    [InlineData("w=320&h=240&fx=0&fy=300&eye=0,-5,0&target=0,0,0&up=0,0,1", "fx and fy")]
    [InlineData("w=320&h=240&fx=NaN&fy=300&eye=0,-5,0&target=0,0,0&up=0,0,1", "finite")]
    [InlineData("w=320&h=240&fx=300&fy=Infinity&eye=0,-5,0&target=0,0,0&up=0,0,1", "finite")]
    [InlineData("w=320&h=240&fx=300&fy=300&eye=NaN,-5,0&target=0,0,0&up=0,0,1", "'eye'")]
    [InlineData("w=320&h=240&fx=300&fy=300&eye=0,-5&target=0,0,0&up=0,0,1", "three comma-separated")]
    [InlineData("w=320&h=240&fx=300&fy=300&eye=0,0,0&target=0,0,0&up=0,0,1", "Invalid camera pose")]
    [InlineData("w=320&h=240&fx=300&fy=300&eye=0,0,-5&target=0,0,0&up=0,0,1", "Invalid camera pose")]
    [InlineData("w=320&h=240&fx=300&fy=300&eye=0,-5,0&target=0,0,0&up=0,0,1&mode=xray", "mode must be")]
    [InlineData("w=320&h=240&fx=300&fy=300&cx=1e300&eye=0,-5,0&target=0,0,0&up=0,0,1", "cx and cy")]
    public async Task Malformed_camera_is_400_with_a_message(string query, string message)
    {
        foreach (var endpoint in new[] { "/api/frame", "/api/pick" })
        {
            var r = await _http.GetAsync($"{endpoint}?{query}&x=1&y=1");
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains(message, await r.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Pick_outside_the_image_is_400()
    {
        var r = await _http.GetAsync($"/api/pick?{CameraQuery()}&x=320&y=10");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("'x'", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Default_bind_is_loopback_only()
    {
        Assert.Equal("127.0.0.1", new ViewerOptions().Host);
        Assert.True(_viewer.IsLoopbackOnly);
        Assert.Equal("127.0.0.1", _viewer.Url.Host);
        // Not reachable through any of this machine's other addresses.
        var others = NetworkInterface.GetAllNetworkInterfaces().Where(i => i.OperationalStatus == OperationalStatus.Up)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .Where(a => !IPAddress.IsLoopback(a) && a.AddressFamily == AddressFamily.InterNetwork).ToList();
        foreach (var ip in others)
        {
            using var c = new TcpClient();
            Assert.ThrowsAny<SocketException>(() => c.Connect(ip, _viewer.Url.Port));
        }
    }

    [Fact]
    public async Task Requests_for_another_host_name_are_refused()
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/");
        req.Headers.Host = "attacker.example";
        var r = await _http.SendAsync(req);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }

    [Fact]
    public async Task Scene_frame_pick_and_segment_download()
    {
        var info = JsonDocument.Parse(await _http.GetStringAsync("/api/scene")).RootElement;
        Assert.False(info.GetProperty("loading").GetBoolean());
        Assert.Equal(120, info.GetProperty("count").GetInt32());
        Assert.Equal(new[] { 1, 2, 3 }, info.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("id").GetInt32()));
        Assert.Equal(1, info.GetProperty("cameras").GetArrayLength());
        Assert.Equal(3, info.GetProperty("segments")[0].GetProperty("color").GetArrayLength());

        foreach (var mode in new[] { "rgb", "segments", "blend" })
        {
            var frame = await _http.GetAsync($"/api/frame?{CameraQuery()}&mode={mode}&selected=2&hidden=1");
            Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
            Assert.Equal("image/jpeg", frame.Content.Headers.ContentType?.MediaType);
            Assert.True(frame.Headers.Contains("X-Render-Ms"));
            using var bmp = SKBitmap.Decode(await frame.Content.ReadAsByteArrayAsync());
            Assert.Equal((320, 240), (bmp.Width, bmp.Height));
        }

        // Centre pixel: segment 3 (nearest cluster); left of centre: segment 1; with 3 hidden the centre shows what is behind or nothing.
        var centre = JsonDocument.Parse(await _http.GetStringAsync($"/api/pick?{CameraQuery()}&x=160&y=120")).RootElement;
        Assert.True(centre.GetProperty("hit").GetBoolean());
        Assert.Equal(3, centre.GetProperty("id").GetInt32());
        Assert.Equal(40, centre.GetProperty("count").GetInt32());
        Assert.InRange(centre.GetProperty("confidence").GetSingle(), 0.79f, 0.81f);
        int g = centre.GetProperty("gaussian").GetInt32();
        Assert.Equal(3, _scene.SegmentIds![g]);
        var left = JsonDocument.Parse(await _http.GetStringAsync($"/api/pick?{CameraQuery()}&x=60&y=120")).RootElement;
        Assert.Equal(1, left.GetProperty("id").GetInt32());
        var hidden = JsonDocument.Parse(await _http.GetStringAsync($"/api/pick?{CameraQuery()}&x=160&y=120&hidden=3")).RootElement;
        Assert.True(!hidden.GetProperty("hit").GetBoolean() || hidden.GetProperty("id").GetInt32() != 3);
        var isolated = JsonDocument.Parse(await _http.GetStringAsync($"/api/pick?{CameraQuery()}&x=60&y=120&isolate=3")).RootElement;
        Assert.True(!isolated.GetProperty("hit").GetBoolean() || isolated.GetProperty("id").GetInt32() == 3);

        var ply = await _http.GetAsync("/api/segments/2/ply");
        Assert.Equal(HttpStatusCode.OK, ply.StatusCode);
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "s.ply");
        await File.WriteAllBytesAsync(path, await ply.Content.ReadAsByteArrayAsync());
        using var part = GaussianPly.Load(path);
        Assert.Equal(40, part.Count);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/segments/9/ply")).StatusCode);
    }

    [Fact]
    public async Task Render_gate_refuses_bursts_beyond_its_queue()
    {
        using var gate = new RenderGate(concurrent: 1, queued: 1);
        using var release = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, 6).Select(_ => gate.TryRunAsync(() => { release.Wait(TimeSpan.FromSeconds(10)); return "done"; }, default)).ToArray();
        await Task.Delay(200);
        release.Set();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(2, results.Count(r => r == "done"));
        Assert.Equal(4, results.Count(r => r is null));
    }

    [Fact]
    public void Library_pick_matches_segments()
    {
        var cam = ViewerTestScenes.Camera();
        var p = _scene.Pick(cam, 160, 120);
        Assert.NotNull(p);
        Assert.Equal(3, p!.SegmentId);
        Assert.Null(_scene.Pick(cam, 0, 0));
    }

    /// <summary>Sends one raw HTTP/1.1 GET with the target exactly as given; returns the status code and body.</summary>
    internal static async Task<(int Status, string Body)> RawGet(Uri server, string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        using var stream = client.GetStream();
        var req = Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(req);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var statusLine = text.Split("\r\n", 2)[0].Split(' ');
        return (int.Parse(statusLine[1], System.Globalization.CultureInfo.InvariantCulture), text);
    }
}
