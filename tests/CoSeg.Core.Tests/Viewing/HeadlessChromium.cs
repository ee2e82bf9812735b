using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CoSeg.Tests.Viewing;

/// <summary>
/// A headless Chromium driven through its DevTools protocol over a loopback WebSocket (System.Net.WebSockets only):
/// navigate, evaluate JavaScript, dispatch real mouse events, take screenshots.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly CancellationTokenSource _cts = new();
    private Task? _reader;
    private int _nextId;

    private HeadlessChromium(Process process, string profile) { _process = process; _profile = profile; }

    /// <summary>The browser executable: $COSEG_CHROMIUM, else chromium / chromium-browser / google-chrome on PATH; null when none.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("COSEG_CHROMIUM") is { Length: > 0 } env && File.Exists(env)) return env;
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var p = Path.Combine(dir, name);
                if (File.Exists(p)) return p;
            }
        return null;
    }

    public static async Task<HeadlessChromium> LaunchAsync(string executable, int width, int height, TimeSpan timeout)
    {
        var profile = Path.Combine(Path.GetTempPath(), "coseg-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                                  "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                                  "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile}",
                                  $"--window-size={width},{height}", "about:blank" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var browser = new HeadlessChromium(process, profile);
        try
        {
            var wsUrl = await ReadDevToolsUrl(process, timeout);
            // The page target (about:blank) from the HTTP endpoint that serves the browser's WebSocket.
            var port = new Uri(wsUrl).Port;
            using var http = new HttpClient { Timeout = timeout };
            string? pageWs = null;
            var sw = Stopwatch.StartNew();
            while (pageWs is null && sw.Elapsed < timeout)
            {
                var list = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
                pageWs = list.FirstOrDefault(t => (string?)t!["type"] == "page")?["webSocketDebuggerUrl"]?.GetValue<string>();
                if (pageWs is null) await Task.Delay(100);
            }
            if (pageWs is null) throw new TimeoutException("Chromium reported no page target.");
            await browser._socket.ConnectAsync(new Uri(pageWs), new CancellationTokenSource(timeout).Token);
            browser._reader = Task.Run(browser.ReadLoop);
            await browser.SendAsync("Page.enable");
            await browser.SendAsync("Runtime.enable");
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();

    private static async Task<string> ReadDevToolsUrl(Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = new StringBuilder();
        while (!cts.IsCancellationRequested)
        {
            var line = await process.StandardError.ReadLineAsync(cts.Token);
            if (line is null) break;
            seen.AppendLine(line);
            var m = DevToolsLine().Match(line);
            if (m.Success)
            {
                _ = process.StandardError.ReadToEndAsync(); // keep draining
                _ = process.StandardOutput.ReadToEndAsync();
                return m.Groups[1].Value;
            }
        }
        throw new TimeoutException("Chromium did not print its DevTools address:\n" + seen);
    }

    private async Task ReadLoop()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open && !_cts.IsCancellationRequested)
            {
                var r = await _socket.ReceiveAsync(buffer, _cts.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage) continue;
                var node = JsonNode.Parse(message.ToArray());
                message.SetLength(0);
                if (node?["id"] is { } idNode && _pending.TryRemove(idNode.GetValue<int>(), out var tcs)) tcs.TrySetResult(node);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        foreach (var (_, tcs) in _pending) tcs.TrySetException(new InvalidOperationException("The DevTools connection closed."));
    }

    /// <summary>Sends one DevTools command and returns its <c>result</c> (throws on a protocol error).</summary>
    public async Task<JsonNode> SendAsync(string method, object? parameters = null, TimeSpan? timeout = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        var json = JsonSerializer.Serialize(new { id, method, @params = parameters ?? new { } });
        await _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, _cts.Token);
        var reply = await tcs.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
        if (reply["error"] is { } err) throw new InvalidOperationException($"{method}: {err.ToJsonString()}");
        return reply["result"]!;
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value as JSON (null for undefined).</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var r = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (r["exceptionDetails"] is { } ex) throw new InvalidOperationException($"JavaScript error: {ex.ToJsonString()}");
        return r["result"]?["value"];
    }

    /// <summary>Polls <paramref name="expression"/> until it is truthy; returns its value.</summary>
    public async Task<JsonNode> WaitForAsync(string expression, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            JsonNode? v;
            try { v = await EvaluateAsync(expression); }
            catch (InvalidOperationException) { v = null; } // e.g. the document is still being replaced by the navigation
            if (v is not null && !(v.GetValueKind() is JsonValueKind.False or JsonValueKind.Null) && v.ToJsonString() is not ("\"\"" or "0")) return v;
            if (sw.Elapsed > timeout)
            {
                var state = await EvaluateAsync("JSON.stringify({ body: document.body.dataset, status: document.getElementById('frame-time')?.textContent, " +
                                                "stage: document.getElementById('load-stage')?.textContent, w: innerWidth, h: innerHeight })");
                throw new TimeoutException($"Timed out waiting for `{expression}`; page state: {state?.ToJsonString()}");
            }
            await Task.Delay(100);
        }
    }

    public Task NavigateAsync(string url) => SendAsync("Page.navigate", new { url });

    /// <summary>A real left click (press + release) at viewport coordinates.</summary>
    public async Task ClickAsync(double x, double y)
    {
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseMoved", x, y });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mousePressed", x, y, button = "left", buttons = 1, clickCount = 1 });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseReleased", x, y, button = "left", buttons = 0, clickCount = 1 });
    }

    /// <summary>PNG screenshot of the viewport.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var r = await SendAsync("Page.captureScreenshot", new { format = "png" });
        return Convert.FromBase64String(r["data"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        try { if (_socket.State == WebSocketState.Open) await SendAsync("Browser.close", timeout: TimeSpan.FromSeconds(3)); } catch { /* closing anyway */ }
        _cts.Cancel();
        _socket.Dispose();
        try { if (!_process.WaitForExit(3000)) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (_reader is not null) await _reader.ConfigureAwait(false);
    }
}
