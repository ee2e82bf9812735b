namespace CoSeg.Tests.Infrastructure;

/// <summary>Locates the read-only real data in ../shared/data (beside the repository) for tests that use it.</summary>
internal static class SharedData
{
    private static readonly Lazy<string?> Root = new(() =>
    {
        var env = Environment.GetEnvironmentVariable("COSEG_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate) && dir.Parent is not null && File.Exists(Path.Combine(candidate, "README.md"))) return candidate;
            candidate = Path.Combine(dir.FullName, "..", "shared", "data");
            if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    });

    /// <summary>Full path of a file or folder under shared/data; skips the test with a clear message when absent.</summary>
    public static string Require(string relative)
    {
        var root = Root.Value;
        Skip.If(root is null, "Real data folder ../shared/data is not present beside the repository (set COSEG_SHARED_DATA to point at it); skipping.");
        var path = Path.Combine(root!, relative);
        Skip.IfNot(File.Exists(path) || Directory.Exists(path), $"Real data '{relative}' is not present under {root}; skipping.");
        return path;
    }
}
