using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Cli;

/// <summary>
/// Usage rules of the built <c>coseg</c> executable, checked against the command sources in samples/CoSeg.Cli/Commands:
/// the top-level help lists every command; each command's --help works; an unknown option and a missing input path
/// each give a one-line error on stderr and exit code 2.
/// </summary>
[Trait("Category", "Cli")]
public sealed class CliUsageTests
{
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var c in CliRunner.CommandsFromSources()) data.Add(c);
        return data;
    }

    [Fact]
    public void Help_ListsEveryCommand()
    {
        var r = CliRunner.Run("--help");
        Assert.Equal(0, r.ExitCode);
        var listed = r.StdOut.Split('\n').SkipWhile(l => !l.StartsWith("commands:", StringComparison.Ordinal)).Skip(1)
            .Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => l.Split(' ')[0]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(CliRunner.CommandsFromSources(), listed);
    }

    [Fact]
    public void NoArguments_PrintsUsage_ExitsTwo()
    {
        var r = CliRunner.Run();
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("usage: coseg <command>", r.StdOut);
    }

    [Fact]
    public void UnknownCommand_OneLineError_ExitsTwo()
    {
        var r = CliRunner.Run("no-such-command");
        Assert.Equal(2, r.ExitCode);
        AssertOneLine(r.StdErr, "no-such-command");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void CommandHelp_PrintsUsageAndOptions(string command)
    {
        var r = CliRunner.Run(command, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith($"usage: coseg {command}", r.StdOut);
        Assert.Equal("", r.StdErr);
        var options = CliHelpOption.Parse(r.StdOut);
        Assert.All(options, o => Assert.False(string.IsNullOrWhiteSpace(o.Help), $"--{o.Name} has no help text"));
        Assert.Equal(options.Count, options.Select(o => o.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void UnknownOption_OneLineError_ExitsTwo(string command)
    {
        var r = CliRunner.Run(command, "--no-such-option", "1");
        Assert.Equal(2, r.ExitCode);
        AssertOneLine(r.StdErr, "--no-such-option");
    }

    [SkippableTheory]
    [MemberData(nameof(Commands))]
    public void MissingInputPath_OneLineError_ExitsTwo(string command)
    {
        var options = CliHelpOption.Parse(CliRunner.Run(command, "--help").StdOut);
        var inputs = options.Where(o => o.IsInputPath).ToList();
        Skip.If(inputs.Count == 0, $"coseg {command} takes no input path.");
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("existing.txt"), "x");
        foreach (var missing in inputs)
        {
            string missingPath = tmp.File($"no-such-{missing.Name}");
            var args = new List<string>();
            foreach (var o in options.Where(o => o.Required || o == missing))
            {
                args.Add("--" + o.Name);
                // Every other value is valid-looking (existing file/folder, a number) so only the missing path can fail.
                args.Add(o == missing ? missingPath
                         : o.ValueName is null ? "" : o.IsInputPath ? (o.ValueName.EndsWith("FILE") ? tmp.File("existing.txt") : tmp.Path)
                         : o.ValueName.EndsWith("DIR") ? tmp.File("out") : "1");
            }
            args.RemoveAll(a => a.Length == 0);
            var r = CliRunner.Run([command, .. args]);
            Assert.True(r.ExitCode == 2, $"coseg {command} with missing --{missing.Name}: exit {r.ExitCode}, stderr: {r.StdErr}");
            AssertOneLine(r.StdErr, missingPath);
        }
    }

    private static void AssertOneLine(string stderr, string mustMention)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected a one-line error, got {lines.Length} lines:\n{stderr}");
        Assert.Contains(mustMention, lines[0]);
    }
}
