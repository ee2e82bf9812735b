namespace CoSeg.Viewing.Server;

/// <summary>
/// The page's own files, compiled into the assembly. The server maps fixed routes to these names; no request path is
/// ever turned into a file name.
/// </summary>
internal static class EmbeddedAssets
{
    private static readonly Dictionary<string, (string Resource, string ContentType)> Routes = new(StringComparer.Ordinal)
    {
        ["/"] = ("CoSeg.Viewing.Assets.index.html", "text/html; charset=utf-8"),
        ["/viewer.js"] = ("CoSeg.Viewing.Assets.viewer.js", "text/javascript; charset=utf-8"),
        ["/viewer.css"] = ("CoSeg.Viewing.Assets.viewer.css", "text/css; charset=utf-8"),
    };

    private static readonly Lazy<Dictionary<string, byte[]>> Bytes = new(() =>
    {
        var asm = typeof(EmbeddedAssets).Assembly;
        var d = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (_, (res, _)) in Routes)
        {
            using var s = asm.GetManifestResourceStream(res) ?? throw new InvalidOperationException($"Embedded asset {res} is missing.");
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            d[res] = ms.ToArray();
        }
        return d;
    });

    public static IEnumerable<string> Paths => Routes.Keys;

    public static (byte[] Content, string ContentType) Get(string path)
    {
        var (res, type) = Routes[path];
        return (Bytes.Value[res], type);
    }
}
