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

/// <summary>
/// A `--name` option: a flag when <see cref="ValueName"/> is null, else it takes one value. A path option
/// (<see cref="IsPath"/>) whose value name ends in FILE must be a file and one ending in DIR a folder; with
/// <see cref="MustExist"/> it is an input that must exist, else an output folder that is created and checked writable
/// before the command starts. <see cref="Sets"/> names the library property the option sets when that is not the
/// option's name in PascalCase (max-side → MaxImageSide), so library argument errors can be reported with the option's name.
/// </summary>
internal sealed record CliOption(string Name, string? ValueName, string Help, bool Required = false, bool IsPath = false, bool MustExist = true,
                                 string? Sets = null)
{
    /// <summary>The path must be a file (value name ends in FILE).</summary>
    public bool IsFilePath => IsPath && ValueName is not null && ValueName.EndsWith("FILE", StringComparison.Ordinal);

    /// <summary>The path must be a folder (value name ends in DIR).</summary>
    public bool IsFolderPath => IsPath && ValueName is not null && ValueName.EndsWith("DIR", StringComparison.Ordinal);

    /// <summary>Whether a library argument error about <paramref name="parameter"/> is about this option's value.</summary>
    public bool SetsParameter(string parameter) =>
        parameter == (Sets ?? string.Concat(Name.Split('-').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..])));
}

/// <summary>Thrown for bad command-line usage; printed as one line, exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
