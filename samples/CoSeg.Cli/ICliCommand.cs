namespace CoSeg.Cli;

/// <summary>One `coseg` sub-command. Implementations are discovered by reflection, one per file in Commands/.</summary>
internal interface ICliCommand
{
    /// <summary>The word after `coseg`, e.g. "info".</summary>
    string Name { get; }
    /// <summary>One-line summary for `coseg --help`.</summary>
    string Summary { get; }
    /// <summary>The options this command accepts; anything else is rejected with exit code 2.</summary>
    IReadOnlyList<CliOption> Options { get; }
    /// <summary>Runs the command; returns the process exit code.</summary>
    Task<int> RunAsync(CliArgs args, CancellationToken ct);
}

/// <summary>A `--name` option: a flag when <see cref="ValueName"/> is null, else it takes one value.</summary>
internal sealed record CliOption(string Name, string? ValueName, string Help, bool Required = false, bool IsPath = false, bool MustExist = true);

/// <summary>Thrown for bad command-line usage; printed as one line, exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
