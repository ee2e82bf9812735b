namespace CoSeg.Viewing.Server;

/// <summary>What the endpoints share: the scene once loaded (or the load's progress / error), the renderer and the render gate.</summary>
internal sealed class ViewerState(ViewerOptions options)
{
    private volatile ViewerScene? _scene;
    private volatile FrameRenderer? _renderer;
    private volatile ViewerLoadProgress _progress = new(0, "starting");
    private volatile string? _error;

    public ViewerOptions Options { get; } = options;
    public RenderGate Gate { get; } = new(options.MaxConcurrentRenders, options.MaxQueuedRenders);
    public ViewerScene? Scene => _scene;
    public FrameRenderer? Renderer => _renderer;
    public ViewerLoadProgress Progress => _progress;
    public string? Error => _error;

    public void Report(ViewerLoadProgress p) => _progress = p;
    public void Fail(string message) => _error = message;

    public void SetScene(ViewerScene scene)
    {
        _renderer = new FrameRenderer(scene, Options);
        _scene = scene;
        _progress = new ViewerLoadProgress(1, "ready");
    }
}
