using System.Net;
using CoSeg.Viewing.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CoSeg.Viewing;

/// <summary>
/// A local web viewer for a <see cref="ViewerScene"/>: an HTTP server (ASP.NET Core minimal APIs) that serves its
/// embedded page and renders every frame with CoSeg.Core's own rasterizer for the camera the page sends (orbit / pan /
/// zoom, snapping to dataset cameras), in RGB, segment colours or both, with click-to-select through the rasterizer's
/// per-pixel top contributor, hide / isolate, and PLY download of a segment. Listens on 127.0.0.1 unless
/// <see cref="ViewerOptions.Host"/> says otherwise.
/// </summary>
/// <example><code>
/// await using var viewer = await SceneViewer.StartAsync(new ViewerScene(scene, ids), new ViewerOptions { Port = 8080 });
/// Console.WriteLine(viewer.Url);
/// await viewer.WaitForShutdownAsync(cancellationToken);
/// </code></example>
public sealed class SceneViewer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ViewerState _state;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loaded;
    private readonly bool _ownsScene;
    private int _disposed;

    private SceneViewer(WebApplication app, ViewerState state, Uri url, bool loopback, Task loaded, bool ownsScene)
    {
        _app = app; _state = state; Url = url; IsLoopbackOnly = loopback; _loaded = loaded; _ownsScene = ownsScene;
    }

    /// <summary>The page's address, e.g. http://127.0.0.1:8080/.</summary>
    public Uri Url { get; }

    /// <summary>Whether the server listens on a loopback address only (the default).</summary>
    public bool IsLoopbackOnly { get; }

    /// <summary>The scene, once loaded.</summary>
    public ViewerScene? Scene => _state.Scene;

    /// <summary>Completes when the scene is loaded and served (faults when loading failed).</summary>
    public Task Loaded => _loaded;

    /// <summary>Starts a viewer on a scene already in memory (not disposed by the viewer).</summary>
    public static Task<SceneViewer> StartAsync(ViewerScene scene, ViewerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scene);
        return StartCoreAsync((_, _) => Task.FromResult(scene), options, false, cancellationToken);
    }

    /// <summary>
    /// Starts the server first and then loads the scene with <paramref name="load"/>, so the page can show the load's
    /// progress; the loaded scene is disposed with the viewer.
    /// </summary>
    public static Task<SceneViewer> StartAsync(Func<IProgress<ViewerLoadProgress>, CancellationToken, Task<ViewerScene>> load,
                                               ViewerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(load);
        return StartCoreAsync(load, options, true, cancellationToken);
    }

    private static async Task<SceneViewer> StartCoreAsync(Func<IProgress<ViewerLoadProgress>, CancellationToken, Task<ViewerScene>> load,
                                                          ViewerOptions? options, bool ownsScene, CancellationToken ct)
    {
        options ??= new ViewerOptions();
        options.Validate();
        var address = Resolve(options.Host);
        bool loopback = IPAddress.IsLoopback(address);
        var state = new ViewerState(options);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(SceneViewer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 64 * 1024;
            k.Limits.MaxConcurrentConnections = 256;
            k.Listen(address, options.Port);
        });
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        ViewerEndpoints.Map(app, state, loopback);
        await app.StartAsync(ct).ConfigureAwait(false);

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? throw new InvalidOperationException("The viewer's server reported no address.");
        var url = new Uri(bound.EndsWith('/') ? bound : bound + "/");

        var viewer = new SceneViewer(app, state, url, loopback, LoadAsync(), ownsScene);
        return viewer;

        async Task LoadAsync()
        {
            await Task.Yield();
            try
            {
                var scene = await load(new Progress(state), ct).ConfigureAwait(false);
                state.SetScene(scene);
            }
            catch (Exception e)
            {
                state.Fail(e.Message);
                throw;
            }
        }
    }

    /// <summary>Synchronous progress sink (System.Progress would post to a context the page must not wait on).</summary>
    private sealed class Progress(ViewerState state) : IProgress<ViewerLoadProgress>
    {
        public void Report(ViewerLoadProgress value) => state.Report(value);
    }

    private static IPAddress Resolve(string host)
    {
        if (host == "localhost") return IPAddress.Loopback;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) return ip;
        var found = Dns.GetHostAddresses(host);
        return found.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? found.FirstOrDefault()
               ?? throw new ArgumentException($"Host '{host}' does not resolve to an address.", nameof(host));
    }

    /// <summary>Returns when <paramref name="cancellationToken"/> is cancelled or the viewer is stopped.</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        try { await Task.Delay(Timeout.Infinite, linked.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
    }

    /// <summary>Stops the server (waiting briefly for requests in flight).</summary>
    public async Task StopAsync()
    {
        if (!_stopping.IsCancellationRequested) _stopping.Cancel();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _state.Gate.Dispose();
        try { await _loaded.ConfigureAwait(false); } catch { /* reported through Loaded */ }
        if (_ownsScene) _state.Scene?.Dispose();
        _stopping.Dispose();
    }
}
