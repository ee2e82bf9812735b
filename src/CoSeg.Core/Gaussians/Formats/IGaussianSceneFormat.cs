namespace CoSeg.Gaussians.Formats;

/// <summary>
/// One Gaussian-scene file format: a content detector, a reader and (optionally) a writer, all stream-based. Register
/// an implementation with <see cref="GaussianSceneFormats.Register"/>; <see cref="GaussianSceneFile"/> then loads and
/// saves it by content or extension.
/// </summary>
public interface IGaussianSceneFormat
{
    /// <summary>Short name used by <c>--format</c> and <see cref="GaussianSceneFile.Save"/> (e.g. "spz").</summary>
    string Name { get; }
    /// <summary>File name endings, most specific first, with the dot (e.g. ".compressed.ply").</summary>
    IReadOnlyList<string> Extensions { get; }
    /// <summary>Whether <see cref="Write"/> is implemented.</summary>
    bool CanWrite { get; }
    /// <summary>
    /// Whether the file is in this format, judged from its first bytes (at most <see cref="GaussianSceneFormats.DetectBytes"/>)
    /// and its total length. Must not throw.
    /// </summary>
    bool Detect(ReadOnlySpan<byte> head, long length);
    /// <summary>Reads a scene; <paramref name="name"/> names the source in error messages.</summary>
    /// <exception cref="InvalidDataException">Malformed, truncated or inconsistent data, an unsupported version, or NaN values.</exception>
    GaussianScene Read(Stream stream, string name);
    /// <summary>Writes a scene (only when <see cref="CanWrite"/>).</summary>
    /// <exception cref="NotSupportedException">The format is read-only.</exception>
    /// <exception cref="ArgumentException">The scene cannot be represented (e.g. out of the format's range).</exception>
    void Write(GaussianScene scene, Stream stream, string name);
}
