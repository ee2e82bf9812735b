using System.Diagnostics;

namespace CoSeg.Tests.Cli;

/// <summary>Runs the built <c>coseg</c> CLI (samples/CoSeg.Cli/bin/&lt;config&gt;/net10.0/coseg.dll) as a child process.</summary>
internal static class CliRunner
{
    /// <summary>The repository root: the first ancestor of the test's base directory that holds CoSeg.Core.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The build configuration the tests were built with (Debug/Release), read from the base directory path.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";

    /// <summary>Path of coseg.dll built beside the tests (the test project references the CLI so it is built first).</summary>
    public static string CosegDll
    {
        get
        {
            string path = Path.Combine(RepoRoot, "samples", "CoSeg.Cli", "bin", Configuration, "net10.0", "coseg.dll");
            if (!File.Exists(path)) throw new FileNotFoundException($"coseg.dll not found at {path}; build samples/CoSeg.Cli first.", path);
            return path;
        }
    }

    /// <summary>Command names expected from the sources: Commands/FooBarCommand.cs → foo-bar.</summary>
    public static IReadOnlyList<string> CommandsFromSources()
    {
        var dir = Path.Combine(RepoRoot, "samples", "CoSeg.Cli", "Commands");
        return Directory.GetFiles(dir, "*Command.cs")
            .Select(f => Path.GetFileNameWithoutExtension(f)[..^"Command".Length])
            .Select(Kebab).Order(StringComparer.Ordinal).ToList();
    }

    public static string Kebab(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args) => Run(new Dictionary<string, string>(), args);

    /// <summary>Runs coseg with extra environment variables (e.g. COSEG_DEBUG=1).</summary>
    public static Result Run(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var p = Process.Start(StartInfo("dotnet", [CosegDll, .. args], environment))!;
        return Finish(p, args);
    }

    /// <summary>
    /// Starts coseg with SIGINT at its default disposition (GNU <c>env --default-signal=INT</c>): a process started
    /// from a background job inherits SIGINT ignored, and .NET then never sees Ctrl+C. Null where env lacks the option.
    /// </summary>
    public static Process? StartInterruptible(params string[] args)
    {
        using (var probe = Process.Start(StartInfo("env", ["--default-signal=INT", "true"], new Dictionary<string, string>())))
        {
            if (probe is null || !probe.WaitForExit(TimeSpan.FromSeconds(10)) || probe.ExitCode != 0) return null;
        }
        return Process.Start(StartInfo("env", ["--default-signal=INT", "dotnet", CosegDll, .. args], new Dictionary<string, string>()));
    }

    /// <summary>Waits (at most 2 minutes) for a started coseg and collects its output.</summary>
    public static Result Finish(Process p, IReadOnlyList<string> args)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"coseg {string.Join(' ', args)} did not finish in 2 minutes.");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    private static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment.Remove("COSEG_DEBUG");
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        return psi;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CoSeg.Core.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No CoSeg.Core.sln above {AppContext.BaseDirectory}.");
    }
}
