using CoSeg.Common;
using CoSeg.Gaussians.Formats;

namespace CoSeg.Gaussians;

/// <summary>
/// Loads and saves <see cref="GaussianScene"/>s in any registered format (<see cref="GaussianSceneFormats"/>): the
/// reference 3DGS PLY, SuperSplat/PlayCanvas compressed PLY, Niantic SPZ (versions 2 and 3) and antimatter15 .splat.
/// Loading detects the format from the content (magic bytes / header), not the extension; saving takes the format
/// from the name given or the output extension. See docs/data-formats.md for the precision each format keeps.
/// </summary>
public static class GaussianSceneFile
{
    /// <summary>Detects the format of a file by content (the extension breaks ties).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">No registered format recognises the content.</exception>
    public static IGaussianSceneFormat Detect(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var fs = InputFiles.OpenRead(path, "Gaussian scene file");
        var head = new byte[(int)Math.Min(GaussianSceneFormats.DetectBytes, fs.Length)];
        fs.ReadExactly(head);
        return GaussianSceneFormats.Detect(head, fs.Length, path)
               ?? throw new InvalidDataException($"{path}: not a Gaussian scene file in a known format ({string.Join(", ", GaussianSceneFormats.All.Select(f => f.Name))}); "
                                                 + (head.Length == 0 ? "the file is empty." : $"it starts with bytes {Convert.ToHexString(head.AsSpan(0, Math.Min(8, head.Length)))}."));
    }

    /// <summary>Loads a scene, detecting the format (or using <paramref name="format"/> when given).</summary>
    /// <exception cref="InvalidDataException">Unrecognised, malformed, truncated or inconsistent file; the message names the file and the problem.</exception>
    public static GaussianScene Load(string path, string? format = null)
    {
        var f = format is null ? Detect(path) : GaussianSceneFormats.Get(format);
        using var fs = InputFiles.OpenRead(path, "Gaussian scene file");
        return f.Read(fs, path);
    }

    /// <summary>Saves a scene in <paramref name="format"/> (a registered name) or, when null, the format of the path's extension.</summary>
    /// <exception cref="ArgumentException">No format given and the extension is not a known one, or the scene does not fit the format.</exception>
    /// <exception cref="NotSupportedException">The format is read-only.</exception>
    public static void Save(GaussianScene scene, string path, string? format = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var f = format is null
            ? GaussianSceneFormats.FromExtension(path) ?? throw new ArgumentException($"Cannot tell the format of '{path}' from its extension (known: {string.Join(", ", GaussianSceneFormats.All.SelectMany(x => x.Extensions))}); give a format name.", nameof(path))
            : GaussianSceneFormats.Get(format);
        if (!f.CanWrite) throw new NotSupportedException($"The {f.Name} format is read-only here; cannot write {path}.");
        // Encode to a temporary file and move it into place, so a failure leaves no partial file.
        AtomicFile.Write(path, stream => f.Write(scene, stream, path));
    }
}
