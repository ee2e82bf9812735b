using System.Diagnostics;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Cli;

/// <summary>
/// The CLI's one error path (issue 12), through the built <c>coseg</c> as a child process: every expected failure is
/// one line on stderr with exit code 1 (input or runtime) or 2 (usage), 130 when cancelled; the stack trace only with
/// --verbose or COSEG_DEBUG=1; output folders are checked (not a file, writable) before any work starts.
/// </summary>
[Trait("Category", "Cli")]
public sealed class CliErrorPathTests
{
    /// <summary>Every command with an output-folder option (value DIR, not an input), with that option's name.</summary>
    public static TheoryData<string, string> OutputFolderOptions()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in CliRunner.CommandsFromSources())
            foreach (var o in CliHelpOption.Parse(CliRunner.Run(c, "--help").StdOut))
                if (o.ValueName is { } v && v.EndsWith("DIR", StringComparison.Ordinal) && !o.IsInputPath) data.Add(c, o.Name);
        return data;
    }

    [Fact]
    public void Help_DocumentsExitCodesAndVerbose()
    {
        var r = CliRunner.Run("--help");
        Assert.Equal(0, r.ExitCode);
        var lines = r.StdOut.Split('\n').Select(l => l.TrimEnd()).ToList();
        int at = lines.IndexOf("exit codes:");
        Assert.True(at >= 0, r.StdOut);
        var codes = lines.Skip(at + 1).TakeWhile(l => l.Length > 0).Select(l => l.Trim().Split(' ')[0]).ToList();
        Assert.Equal(new[] { "0", "1", "2", "130" }, codes);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("--verbose", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(OutputFolderOptions))]
    public void OutputThatIsAFile_UsageError_FileUntouched(string command, string option)
    {
        using var tmp = new TempDir();
        string file = tmp.File("a-file");
        File.WriteAllText(file, "keep me");
        var r = CliRunner.Run([command, .. ValidInputs(command, tmp, option), "--" + option, file]);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.StdErr}");
        AssertOneLine(r.StdErr, "exists and is a file");
        Assert.Contains("--" + option, r.StdErr);
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Theory]
    [MemberData(nameof(OutputFolderOptions))]
    public void OutputUnderAFile_FailsBeforeWork(string command, string option)
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("a-file"), "x");
        string output = Path.Combine(tmp.File("a-file"), "out");
        var clock = Stopwatch.StartNew();
        var r = CliRunner.Run([command, .. ValidInputs(command, tmp, option), "--" + option, output]);
        Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}: {r.StdErr}");
        AssertOneLine(r.StdErr, "is a file, not a folder");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}: the check must come before the work");
    }

    [SkippableTheory]
    [MemberData(nameof(OutputFolderOptions))]
    public void OutputInReadOnlyFolder_FailsBeforeWork(string command, string option)
    {
        using var tmp = new TempDir();
        string? readOnly = ReadOnlyFolder.Find(tmp);
        Skip.If(readOnly is null, "no folder here refuses writes (running as root without a sysfs at /sys).");
        var r = CliRunner.Run([command, .. ValidInputs(command, tmp, option), "--" + option, Path.Combine(readOnly!, "out")]);
        Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}: {r.StdErr}");
        AssertOneLine(r.StdErr, "permission denied");
        Assert.Contains("--" + option, r.StdErr);
    }

    [Fact]
    public void DirectoryAsPly_SaysSo()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("info", "--ply", tmp.Path);
        Assert.Equal(2, r.ExitCode);
        AssertOneLine(r.StdErr, "is a directory, expected a file");
        Assert.Contains("--ply", r.StdErr);
    }

    [Fact]
    public void FileAsData_SaysSo()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("f.txt"), "x");
        var r = CliRunner.Run("info", "--data", tmp.File("f.txt"));
        Assert.Equal(2, r.ExitCode);
        AssertOneLine(r.StdErr, "is a file, expected a folder");
        Assert.Contains("--data", r.StdErr);
    }

    [Fact]
    public void InputError_OneLine_StackTraceOnlyWhenVerbose()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("not-a.ply"), "hello");
        var plain = CliRunner.Run("info", "--ply", tmp.File("not-a.ply"));
        Assert.Equal(1, plain.ExitCode);
        AssertOneLine(plain.StdErr, "not-a.ply");
        Assert.DoesNotContain("   at ", plain.StdErr);

        var verbose = CliRunner.Run("info", "--ply", tmp.File("not-a.ply"), "--verbose");
        Assert.Equal(1, verbose.ExitCode);
        Assert.Equal(plain.StdErr.Split('\n')[0], verbose.StdErr.Split('\n')[0]);
        Assert.Contains("   at CoSeg.", verbose.StdErr);

        var debug = CliRunner.Run(new Dictionary<string, string> { ["COSEG_DEBUG"] = "1" }, "info", "--ply", tmp.File("not-a.ply"));
        Assert.Equal(1, debug.ExitCode);
        Assert.Contains("   at CoSeg.", debug.StdErr);
    }

    [Fact]
    public void LibraryOptionError_NamesTheCliOption()
    {
        using var tmp = new TempDir();
        string data = tmp.File("data");
        var export = CliRunner.Run("bench-seg", "--image-size", "24", "--density", "60", "--iterations", "1", "--method", "per-gaussian", "--export", data);
        Assert.True(export.ExitCode == 0, export.StdErr);
        var r = CliRunner.Run("segment", "--data", data, "--ply", Path.Combine(data, "scene.ply"), "--labels", Path.Combine(data, "labels"),
                              "--out", tmp.File("out"), "--max-side", "4", "--iterations", "1");
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.StdErr}");
        var last = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        Assert.Contains("--max-side", last);
        Assert.DoesNotContain("MaxImageSide", r.StdErr);
        Assert.DoesNotContain("Parameter", r.StdErr);
    }

    [Fact]
    public void Reconstruct_SceneCannotBeWritten_KeepsACopyAndSaysWhere()
    {
        using var tmp = new TempDir();
        string data = tmp.File("data"), outDir = tmp.File("out");
        var export = CliRunner.Run("bench-seg", "--image-size", "24", "--density", "60", "--iterations", "1", "--method", "per-gaussian", "--export", data);
        Assert.True(export.ExitCode == 0, export.StdErr);
        Directory.CreateDirectory(Path.Combine(outDir, "scene.ply"));    // a folder where the scene file must go: the final write fails
        var r = CliRunner.Run("reconstruct", "--data", data, "--out", outDir, "--iterations", "5", "--init-points", "300", "--renders", "0");
        Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}: {r.StdErr}");
        var last = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        var m = System.Text.RegularExpressions.Regex.Match(last, @"a copy was saved to (\S+\.ply)\.$");
        Assert.True(m.Success, last);
        try
        {
            using var saved = CoSeg.Gaussians.GaussianPly.Load(m.Groups[1].Value);
            Assert.Equal(300, saved.Count);
        }
        finally { File.Delete(m.Groups[1].Value); }
    }

    [SkippableFact]
    public void Interrupt_Cancels_ExitCode130()
    {
        using var p = CliRunner.StartInterruptible("bench-seg", "--image-size", "24", "--density", "60", "--iterations", "1000000", "--method", "per-gaussian");
        Skip.If(p is null, "GNU env --default-signal is not available to start a child with SIGINT enabled.");
        // The first line comes after the scene is generated, inside the cancellable run.
        var first = p.StandardError.ReadLine();
        Assert.StartsWith("bench-seg:", first);
        Thread.Sleep(500);
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
        var r = CliRunner.Finish(p, ["bench-seg"]);
        Assert.Equal(130, r.ExitCode);
        Assert.Contains("coseg bench-seg: cancelled", r.StdErr);
    }

    /// <summary>Valid-looking values for the command's required options other than <paramref name="except"/>.</summary>
    private static List<string> ValidInputs(string command, TempDir tmp, string except)
    {
        string file = tmp.File("existing.txt");
        if (!File.Exists(file)) File.WriteAllText(file, "x");
        var args = new List<string>();
        foreach (var o in CliHelpOption.Parse(CliRunner.Run(command, "--help").StdOut).Where(o => o.Required && o.Name != except))
        {
            args.Add("--" + o.Name);
            if (o.ValueName is null) continue;
            args.Add(o.IsInputPath ? (o.ValueName.EndsWith("FILE", StringComparison.Ordinal) ? file : tmp.Path)
                     : o.ValueName.EndsWith("DIR", StringComparison.Ordinal) ? tmp.File("out-" + o.Name) : "1");
        }
        return args;
    }

    private static void AssertOneLine(string stderr, string mustMention)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected a one-line error, got {lines.Length} lines:\n{stderr}");
        Assert.Contains(mustMention, lines[0]);
    }
}
