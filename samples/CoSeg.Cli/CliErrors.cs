using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace CoSeg.Cli;

/// <summary>
/// The CLI's one error path: turns any exception that ends a command into one line on stderr and an exit code
/// (<see cref="Usage"/>, <see cref="Failure"/>, <see cref="Cancelled"/>); the stack trace follows only when verbose.
/// </summary>
internal static class CliErrors
{
    /// <summary>Exit code of an input or runtime error (bad, unreadable or unwritable file, out of memory, …).</summary>
    public const int Failure = 1;
    /// <summary>Exit code of a usage error (unknown command or option, bad option value, wrong kind of path).</summary>
    public const int Usage = 2;
    /// <summary>Exit code when the user cancelled (Ctrl+C).</summary>
    public const int Cancelled = 130;

    /// <summary>The exit-code table printed by <c>coseg --help</c>.</summary>
    public static readonly string[] HelpLines =
    {
        $"  {0,-4} success",
        $"  {Failure,-4} input or runtime error: a bad, unreadable or unwritable file, not enough memory, …",
        $"  {Usage,-4} usage error: unknown command or option, bad option value, missing path or the wrong kind of path",
        $"  {Cancelled,-4} cancelled (Ctrl+C)",
    };

    /// <summary>
    /// Writes the error line for <paramref name="error"/> (and its stack trace when <paramref name="verbose"/>) to
    /// <paramref name="stderr"/> and returns the exit code. Library argument errors about a property that one of
    /// <paramref name="options"/> sets are reported with the option's name and count as usage errors.
    /// </summary>
    public static int Report(string command, Exception error, IReadOnlyList<CliOption> options, bool verbose, TextWriter stderr)
    {
        var e = Unwrap(error);
        string prefix = $"coseg {command}:";
        int code;
        string line;
        switch (e)
        {
            case CliUsageException:
                code = Usage; line = $"{prefix} {FirstLine(e.Message)}"; break;
            case OperationCanceledException:
                code = Cancelled; line = $"{prefix} cancelled"; break;
            case ArgumentException a when a.ParamName is { } p && options.FirstOrDefault(o => o.SetsParameter(p)) is { } option:
                code = Usage; line = $"{prefix} {OptionMessage(a, p, option)}"; break;
            case OutOfMemoryException:
                code = Failure; line = $"{prefix} error: out of memory ({FirstLine(e.Message)}); try a smaller image size, scene or option value"; break;
            case ExternalException x when IsAllocationFailure(x.Message):
                code = Failure; line = $"{prefix} error: out of memory in libtorch ({FirstLine(x.Message)}); try a smaller image size, scene or option value"; break;
            case ArgumentException a:
                code = Failure; line = $"{prefix} error: {WithoutParameterSuffix(a)}"; break;
            case IOException or InvalidDataException or UnauthorizedAccessException or OverflowException or FormatException or NotSupportedException
                or InvalidOperationException or ExternalException or KeyNotFoundException or DllNotFoundException or EntryPointNotFoundException:
                code = Failure; line = $"{prefix} error: {FirstLine(e.Message)}"; break;
            default:
                code = Failure;
                line = $"{prefix} internal error: {e.GetType().Name}: {FirstLine(e.Message)}" + (verbose ? "" : " (rerun with --verbose for the stack trace)");
                break;
        }
        stderr.WriteLine(line);
        if (verbose && code != Usage && code != Cancelled) stderr.WriteLine(error);
        return code;
    }

    /// <summary>The exception that says what went wrong, not its wrappers (aggregate, reflection, type initialiser).</summary>
    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: 1 } a: e = a.InnerExceptions[0]; continue;
                case TargetInvocationException { InnerException: { } i }: e = i; continue;
                case TypeInitializationException { InnerException: { } t }: e = t; continue;
                default: return e;
            }
        }
    }

    /// <summary>Whether a libtorch error is a failed allocation (its CPU and CUDA allocators' wording).</summary>
    private static bool IsAllocationFailure(string message) =>
        message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase)
        || message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        || message.Contains("DefaultCPUAllocator", StringComparison.Ordinal)
        || message.Contains("bad_alloc", StringComparison.Ordinal);

    /// <summary>"MaxImageSide must be ≥ 8." about option --max-side → "--max-side must be ≥ 8".</summary>
    private static string OptionMessage(ArgumentException a, string parameter, CliOption option)
    {
        string message = WithoutParameterSuffix(a);
        string replaced = Regex.Replace(message, $@"\b(\w+Options\.)?{Regex.Escape(parameter)}\b", "--" + option.Name);
        return replaced.Contains("--" + option.Name, StringComparison.Ordinal) ? replaced : $"--{option.Name}: {replaced}";
    }

    /// <summary>The message without .NET's " (Parameter 'x')" suffix and "Actual value was …" line.</summary>
    private static string WithoutParameterSuffix(ArgumentException a)
    {
        string message = FirstLine(a.Message);
        if (a.ParamName is { } p) message = message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal);
        return message;
    }

    /// <summary>The first non-empty line (libtorch appends native stack frames to its messages).</summary>
    private static string FirstLine(string message)
    {
        foreach (var l in message.Split('\n'))
            if (l.Trim().Length > 0) return l.Trim();
        return "(no message)";
    }
}
