using System.Globalization;
using CoSeg.Common;

namespace CoSeg.Cli;

/// <summary>Parsed `--name value` / `--flag` options of one command, validated against its declared options.</summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    /// <summary>The global <c>--verbose</c> flag (or COSEG_DEBUG=1): stack traces of errors, and stage timings where a command has them.</summary>
    public bool Verbose { get; private init; }

    /// <summary>
    /// Parses <paramref name="argv"/> against <paramref name="options"/> and checks the path options: inputs exist and
    /// are of the right kind (file or folder), output folders are not files and are created and writable.
    /// </summary>
    /// <exception cref="CliUsageException">Bad usage: unknown option, missing value, missing or wrong kind of path.</exception>
    /// <exception cref="IOException">An output folder cannot be created or written.</exception>
    /// <exception cref="UnauthorizedAccessException">An output folder is not writable.</exception>
    public static CliArgs Parse(string[] argv, IReadOnlyList<CliOption> options, bool verbose = false)
    {
        var byName = options.ToDictionary(o => o.Name, StringComparer.Ordinal);
        var result = new CliArgs { Verbose = verbose };
        for (int i = 0; i < argv.Length; i++)
        {
            string a = argv[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2)
                throw new CliUsageException($"unexpected argument '{a}'");
            string name = a[2..];
            string? inline = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
            if (!byName.TryGetValue(name, out var opt))
                throw new CliUsageException($"unknown option '--{name}'");
            if (opt.ValueName is null)
            {
                if (inline is not null) throw new CliUsageException($"option '--{name}' takes no value");
                result._values[name] = null;
                continue;
            }
            string? value = inline;
            if (value is null)
            {
                if (i + 1 >= argv.Length) throw new CliUsageException($"option '--{name}' needs a value ({opt.ValueName})");
                value = argv[++i];
            }
            result._values[name] = value;
        }
        foreach (var o in options)
        {
            if (o.Required && !result._values.ContainsKey(o.Name))
                throw new CliUsageException($"missing required option '--{o.Name} {o.ValueName}'");
            if (o.IsPath && o.MustExist && result._values.TryGetValue(o.Name, out var p) && p is not null) CheckInput(o, p);
        }
        foreach (var o in options)
            if (o.IsFolderPath && !o.MustExist && result._values.TryGetValue(o.Name, out var p) && p is not null) PrepareOutputFolder(o, p);
        return result;
    }

    private static void CheckInput(CliOption o, string path)
    {
        if (path.Length == 0) throw new CliUsageException($"option '--{o.Name}' needs a path, got an empty string");
        bool isFile = File.Exists(path), isFolder = Directory.Exists(path);
        if (!isFile && !isFolder) throw new CliUsageException($"path for '--{o.Name}' does not exist: {path}");
        if (o.IsFilePath && isFolder) throw new CliUsageException($"--{o.Name} {path} is a directory, expected a file");
        if (o.IsFolderPath && isFile) throw new CliUsageException($"--{o.Name} {path} is a file, expected a folder");
    }

    private static void PrepareOutputFolder(CliOption o, string path)
    {
        if (path.Length == 0) throw new CliUsageException($"option '--{o.Name}' needs a path, got an empty string");
        if (File.Exists(path)) throw new CliUsageException($"--{o.Name} {path} exists and is a file, expected a folder");
        try { AtomicFile.EnsureWritableFolder(path); }
        catch (UnauthorizedAccessException e) { throw new UnauthorizedAccessException($"--{o.Name}: {e.Message}", e); }
        catch (IOException e) { throw new IOException($"--{o.Name}: {e.Message}", e); }
    }

    /// <summary>
    /// The output folder of option <paramref name="name"/>, or <paramref name="fallback"/> when the option is not
    /// given; a fallback gets the checks <see cref="Parse"/> gives a given one (not a file, created, writable).
    /// </summary>
    public string OutputFolder(CliOption option, string fallback)
    {
        if (Get(option.Name) is { } given) return given;
        PrepareOutputFolder(option, fallback);
        return fallback;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public string Require(string name) => Get(name) ?? throw new CliUsageException($"missing required option '--{name}'");

    public int GetInt(string name, int fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int r)
            ? r : throw new CliUsageException($"option '--{name}' expects an integer, got '{v}'");
    }

    public double GetDouble(string name, double fallback)
    {
        var v = Get(name);
        if (v is null) return fallback;
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double r)
            ? r : throw new CliUsageException($"option '--{name}' expects a number, got '{v}'");
    }

    public string GetChoice(string name, string fallback, params string[] choices)
    {
        var v = Get(name) ?? fallback;
        if (!choices.Contains(v, StringComparer.Ordinal))
            throw new CliUsageException($"option '--{name}' must be one of {string.Join("|", choices)}, got '{v}'");
        return v;
    }
}
