using System.Text;

namespace CoSeg.Gaussians.Formats;

/// <summary>The reference (Inria) 3DGS PLY layout, float32 per property: lossless (see <see cref="GaussianPly"/>).</summary>
public sealed class ReferencePlyFormat : IGaussianSceneFormat
{
    /// <inheritdoc />
    public string Name => "ply";
    /// <inheritdoc />
    public IReadOnlyList<string> Extensions { get; } = new[] { ".ply" };
    /// <inheritdoc />
    public bool CanWrite => true;

    /// <inheritdoc />
    public bool Detect(ReadOnlySpan<byte> head, long length)
    {
        if (head.Length < 4 || !head.StartsWith("ply"u8) || (head[3] != '\n' && head[3] != '\r')) return false;
        string text = Encoding.ASCII.GetString(head);
        return !CompressedPlyFormat.LooksCompressed(text);
    }

    /// <inheritdoc />
    public GaussianScene Read(Stream stream, string name) => GaussianPly.Read(stream, name);

    /// <inheritdoc />
    public void Write(GaussianScene scene, Stream stream, string name) => GaussianPly.Write(scene, stream, name);
}
