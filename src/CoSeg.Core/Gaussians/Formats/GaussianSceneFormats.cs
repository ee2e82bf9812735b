namespace CoSeg.Gaussians.Formats;

/// <summary>
/// The registry of Gaussian-scene file formats: the reference PLY, SuperSplat/PlayCanvas compressed PLY, Niantic SPZ
/// and antimatter15 .splat are registered by default; add others with <see cref="Register"/>.
/// </summary>
public static class GaussianSceneFormats
{
    /// <summary>How many leading bytes detectors see.</summary>
    public const int DetectBytes = 4096;

    private static readonly object Gate = new();
    private static readonly List<IGaussianSceneFormat> Formats = new()
    {
        // Order matters for detection: specific magic first, the magic-less .splat last.
        new CompressedPlyFormat(), new ReferencePlyFormat(), new SpzFormat(), new AntimatterSplatFormat(),
    };

    /// <summary>The registered formats, in detection order.</summary>
    public static IReadOnlyList<IGaussianSceneFormat> All { get { lock (Gate) return Formats.ToArray(); } }

    /// <summary>Adds a format (detected before the magic-less .splat format); replaces one with the same name.</summary>
    public static void Register(IGaussianSceneFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        lock (Gate)
        {
            Formats.RemoveAll(f => f.Name == format.Name);
            int splat = Formats.FindIndex(f => f is AntimatterSplatFormat);
            Formats.Insert(splat < 0 ? Formats.Count : splat, format);
        }
    }

    /// <summary>The format with this name.</summary>
    /// <exception cref="ArgumentException">No such format (the message lists the known ones).</exception>
    public static IGaussianSceneFormat Get(string name)
        => All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"Unknown Gaussian scene format '{name}' (known: {string.Join(", ", All.Select(f => f.Name))}).", nameof(name));

    /// <summary>The format whose extension the path ends with (longest match), or null.</summary>
    public static IGaussianSceneFormat? FromExtension(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string file = Path.GetFileName(path).ToLowerInvariant();
        return All.SelectMany(f => f.Extensions.Select(e => (f, e)))
                  .Where(p => file.EndsWith(p.e, StringComparison.Ordinal))
                  .OrderByDescending(p => p.e.Length).Select(p => p.f).FirstOrDefault();
    }

    /// <summary>Detects the format of content (first bytes + total length); ties go to the extension's format.</summary>
    public static IGaussianSceneFormat? Detect(ReadOnlySpan<byte> head, long length, string? fileName = null)
    {
        var byExtension = fileName is null ? null : FromExtension(fileName);
        if (byExtension is not null && SafeDetect(byExtension, head, length)) return byExtension;
        foreach (var f in All)
            if (SafeDetect(f, head, length)) return f;
        return null;
    }

    private static bool SafeDetect(IGaussianSceneFormat f, ReadOnlySpan<byte> head, long length)
    {
        try { return f.Detect(head, length); }
        catch (Exception e) when (e is not OutOfMemoryException) { return false; }
    }
}
