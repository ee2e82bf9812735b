using CoSeg.Data;
using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Viewing;

namespace CoSeg.Cli.Commands;

/// <summary>
/// `coseg view --ply FILE [--data DIR] [--segmented] [--port N] [--host H] [--backend B]`: opens the local web viewer
/// (CoSeg.Viewing) on a scene; frames are rendered by the library's rasterizer on this machine.
/// </summary>
internal sealed class ViewCommand : ICliCommand
{
    public string Name => "view";
    public string Summary => "open a local web viewer on a 3DGS PLY (segments, click-to-select)";

    public IReadOnlyList<CliOption> Options { get; } = new[]
    {
        new CliOption("ply", "FILE", "scene file: PLY, compressed PLY, .spz or .splat (with --segmented: the segmented.ply written by `coseg segment`)", Required: true, IsPath: true),
        new CliOption("data", "DIR", "dataset whose training / test cameras the page can snap to", IsPath: true),
        new CliOption("segmented", null, "segments come from the PLY's per-Gaussian 'label' property"),
        new CliOption("port", "N", "TCP port (default 8080; 0 = any free port)"),
        new CliOption("host", "H", "address to listen on (default 127.0.0.1; anything else exposes the scene to the network)"),
        new CliOption("backend", "B", "rasterizer backend: auto|ilgpu|native|reference (default auto)"),
    };

    public async Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        int port = args.GetInt("port", 8080);
        if (port is < 0 or > 65535) throw new CliUsageException($"option '--port' must be 0..65535, got {port}");
        string host = args.Get("host") ?? "127.0.0.1";
        string backend = args.GetChoice("backend", "auto", "auto", "ilgpu", "native", "reference");
        string ply = args.Require("ply");
        string? data = args.Get("data");
        bool segmented = args.Has("segmented");

        // Stop on SIGTERM as on Ctrl+C (a server otherwise ignores `kill`).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        ct = stop.Token;
        var options = new ViewerOptions { Host = host, Port = port, Backend = backend };
        await using var viewer = await SceneViewer.StartAsync((progress, token) => Task.Run(() => Load(ply, data, segmented, progress, token), token), options, ct);
        if (!viewer.IsLoopbackOnly)
            Console.Error.WriteLine($"warning: listening on {host}, which is not a loopback address: anyone who can reach this machine can view the scene.");
        Console.WriteLine($"viewer: {viewer.Url}  (Ctrl+C to stop)");
        try { await viewer.Loaded.WaitAsync(ct); }
        catch (OperationCanceledException) { return 130; }
        catch (Exception e)
        {
            Console.Error.WriteLine($"coseg view: could not load the scene: {e.Message.Split('\n')[0]}");
            return 1;
        }
        var s = viewer.Scene!;
        Console.WriteLine($"loaded {s.Scene.Count:N0} Gaussians, {s.Segments.Count} segments, {s.Cameras.Count} cameras");
        await viewer.WaitForShutdownAsync(ct);
        return 0;
    }

    private static ViewerScene Load(string ply, string? data, bool segmented, IProgress<ViewerLoadProgress> progress, CancellationToken ct)
    {
        progress.Report(new ViewerLoadProgress(0.05, $"reading {Path.GetFileName(ply)}"));
        var scene = GaussianSceneFile.Load(ply);
        try
        {
            IReadOnlyList<Camera>? cameras = null;
            (float, float, float)? background = null;
            if (data is not null)
            {
                progress.Report(new ViewerLoadProgress(0.6, $"reading cameras of {Path.GetFileName(Path.GetFullPath(data).TrimEnd('/'))}"));
                using var dataset = DatasetLoader.Load(data, cancellationToken: ct);
                cameras = dataset.AllViews.Select(v => v.Camera).ToArray();
                var bg = dataset.Background;
                if (bg.Length == 3) background = (bg[0], bg[1], bg[2]);
            }
            progress.Report(new ViewerLoadProgress(0.8, "preparing segments"));
            var view = segmented ? ViewerScene.FromLabelledScene(scene, cameras, ownsScene: true) : new ViewerScene(scene, cameras: cameras, ownsScene: true);
            view.Background = background;
            return view;
        }
        catch
        {
            scene.Dispose();
            throw;
        }
    }
}
