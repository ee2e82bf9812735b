using System.Globalization;

namespace CoSeg.Cli;

/// <summary>Parsed `--name value` / `--flag` options of one command, validated against its declared options.</summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public static CliArgs Parse(string[] argv, IReadOnlyList<CliOption> options)
    {
        var byName = options.ToDictionary(o => o.Name, StringComparer.Ordinal);
        var result = new CliArgs();
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
            if (o.IsPath && o.MustExist && result._values.TryGetValue(o.Name, out var p) && p is not null
                && !File.Exists(p) && !Directory.Exists(p))
                throw new CliUsageException($"path for '--{o.Name}' does not exist: {p}");
        }
        return result;
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
