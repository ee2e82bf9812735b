using System.Text.RegularExpressions;

namespace CoSeg.Data;

/// <summary>
/// Picks the image folder of an LLFF/COLMAP dataset for a requested downscale: <c>images_N</c> when it exists, else the
/// finest folder <c>images_K</c> (K &lt; N, <c>images</c> = 1) to resample from, else the finest coarser folder as is.
/// </summary>
internal static partial class ImageFolderChoice
{
    internal static readonly string[] Extensions = { ".png", ".jpg", ".jpeg", ".webp", ".bmp" };

    /// <summary>Returns the folder and its factor relative to full resolution.</summary>
    public static (string Folder, int Factor) Choose(string root, int downscale)
    {
        var available = new List<(string Folder, int Factor)>();
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            string name = Path.GetFileName(dir);
            if (name == "images") available.Add((dir, 1));
            else if (FactorRegex().Match(name) is { Success: true } m && int.TryParse(m.Groups[1].Value, out int k) && k >= 1) available.Add((dir, k));
        }
        available = available.Where(a => ListImages(a.Folder).Count > 0).ToList();
        if (available.Count == 0) throw new DirectoryNotFoundException($"Dataset {root}: no 'images' or 'images_N' folder with images.");
        var exact = available.Where(a => a.Factor == downscale).ToList();
        if (exact.Count > 0) return exact[0];
        var finer = available.Where(a => a.Factor < downscale && downscale % a.Factor == 0).OrderByDescending(a => a.Factor).ToList();
        if (finer.Count > 0) return finer[0];
        return available.OrderBy(a => a.Factor).First();
    }

    /// <summary>Image files of a folder in ordinal name order.</summary>
    public static List<string> ListImages(string folder)
        => Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();

    [GeneratedRegex(@"^images_(\d+)$")]
    private static partial Regex FactorRegex();
}
