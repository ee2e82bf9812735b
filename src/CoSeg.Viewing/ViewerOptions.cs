namespace CoSeg.Viewing;

/// <summary>Options of <see cref="SceneViewer"/>: where it listens, how it renders, and its resource limits.</summary>
public sealed class ViewerOptions
{
    /// <summary>Address or host name to listen on; 127.0.0.1 (loopback only) by default. Anything else exposes the scene to the network.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (see <see cref="SceneViewer.Url"/>).</summary>
    public int Port { get; init; } = 0;

    /// <summary>Rasterizer backend for frames and picking ("auto": native when built, else ILGPU).</summary>
    public string Backend { get; init; } = "auto";

    /// <summary>Renders that may run at the same time; further requests wait in a queue.</summary>
    public int MaxConcurrentRenders { get; init; } = 1;

    /// <summary>Requests that may wait for a render; beyond that the server answers 503 at once, so bursts cannot pile up memory.</summary>
    public int MaxQueuedRenders { get; init; } = 8;

    /// <summary>Largest accepted image side in pixels (requests above it get 400).</summary>
    public int MaxImageSide { get; init; } = 4096;

    /// <summary>JPEG quality (1–100) of streamed frames unless the page asks for PNG.</summary>
    public int JpegQuality { get; init; } = 85;

    /// <summary>Background colour (RGB in 0–1) behind the scene.</summary>
    public (float R, float G, float B) Background { get; init; } = (0.08f, 0.08f, 0.09f);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new ArgumentException("ViewerOptions.Host must not be empty.");
        if (Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), $"ViewerOptions.Port must be 0..65535, got {Port}.");
        if (MaxConcurrentRenders < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrentRenders), "Need at least one concurrent render.");
        if (MaxQueuedRenders < 0) throw new ArgumentOutOfRangeException(nameof(MaxQueuedRenders), "The queue length cannot be negative.");
        if (MaxImageSide is < 16 or > 16384) throw new ArgumentOutOfRangeException(nameof(MaxImageSide), "MaxImageSide must be 16..16384.");
        if (JpegQuality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(JpegQuality), "JpegQuality must be 1..100.");
    }
}
