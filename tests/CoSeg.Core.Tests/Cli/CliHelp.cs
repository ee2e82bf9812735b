using System.Text.RegularExpressions;

namespace CoSeg.Tests.Cli;

/// <summary>An option as printed by <c>coseg CMD --help</c>: "  --name VALUE   help text (required)".</summary>
internal sealed partial record CliHelpOption(string Name, string? ValueName, string Help, bool Required)
{
    /// <summary>
    /// True for an option naming an existing input file or folder: value DIR/FILE/PATH, and not an output (help text
    /// starting "output…"/"write…"/"also write…" or saying "(created").
    /// </summary>
    public bool IsInputPath => ValueName is not null && PathValue().IsMatch(ValueName) && !OutputHelp().IsMatch(Help);

    /// <summary>Parses the "options:" block of a command's help text.</summary>
    public static IReadOnlyList<CliHelpOption> Parse(string help)
    {
        var list = new List<CliHelpOption>();
        foreach (var line in help.Split('\n'))
        {
            var m = OptionLine().Match(line.TrimEnd('\r'));
            if (!m.Success) continue;
            string? value = m.Groups[2].Success ? m.Groups[2].Value : null;
            string text = m.Groups[3].Value.Trim();
            list.Add(new CliHelpOption(m.Groups[1].Value, value, text, text.EndsWith("(required)", StringComparison.Ordinal)));
        }
        return list;
    }

    [GeneratedRegex(@"^\s+--([a-z0-9][a-z0-9-]*)(?: (\S+))?\s{2,}(.*)$")]
    private static partial Regex OptionLine();

    [GeneratedRegex(@"^(output|write|also write)|\(created", RegexOptions.IgnoreCase)]
    private static partial Regex OutputHelp();

    [GeneratedRegex(@"^[A-Z_]*(DIR|FILE|PATH)$")]
    private static partial Regex PathValue();
}
