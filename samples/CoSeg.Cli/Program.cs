using System.Reflection;
using CoSeg.Cli;

// `coseg`: the command-line front end of CoSeg.Core. Each command lives in Commands/ and is found by reflection.
// Touch CoSeg.Core before anything loads libtorch so its OpenMP settings apply (see CoSeg.Common.OpenMpWaitPolicy).
System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(CoSeg.Geometry.Camera).Module.ModuleHandle);

var commands = typeof(ICliCommand).Assembly.GetTypes()
    .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
    .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
    .OrderBy(c => c.Name, StringComparer.Ordinal)
    .ToList();

// --verbose is global: it may stand anywhere on the line.
bool verbose = args.Contains("--verbose") || Environment.GetEnvironmentVariable("COSEG_DEBUG") == "1";
args = args.Where(a => a != "--verbose").ToArray();

if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
{
    Console.WriteLine("coseg — zero-shot 3D scene segmentation on 3D Gaussian Splatting (CoSeg.Core)");
    Console.WriteLine();
    Console.WriteLine("usage: coseg <command> [options] [--verbose]    (coseg <command> --help for a command's options)");
    Console.WriteLine();
    Console.WriteLine("global options:");
    Console.WriteLine("  --verbose      print the stack trace of an error (also COSEG_DEBUG=1) and, where a command has them, stage timings");
    Console.WriteLine();
    Console.WriteLine("exit codes:");
    foreach (var line in CliErrors.HelpLines) Console.WriteLine(line);
    Console.WriteLine();
    Console.WriteLine("commands:");
    foreach (var c in commands) Console.WriteLine($"  {c.Name,-14} {c.Summary}");
    return args.Length == 0 ? CliErrors.Usage : 0;
}

var command = commands.FirstOrDefault(c => c.Name == args[0]);
if (command is null)
{
    Console.Error.WriteLine($"coseg: unknown command '{args[0]}' (see coseg --help)");
    return CliErrors.Usage;
}

var rest = args[1..];
if (rest.Contains("--help") || rest.Contains("-h"))
{
    Console.WriteLine($"usage: coseg {command.Name} [options]");
    Console.WriteLine($"  {command.Summary}");
    Console.WriteLine();
    Console.WriteLine("options:");
    foreach (var o in command.Options)
    {
        string left = o.ValueName is null ? $"--{o.Name}" : $"--{o.Name} {o.ValueName}";
        Console.WriteLine($"  {left,-28} {o.Help}{(o.Required ? " (required)" : "")}");
    }
    Console.WriteLine();
    Console.WriteLine("Add --verbose for stack traces of errors; exit codes: see coseg --help.");
    return 0;
}

using var cts = new CancellationTokenSource();
// The first Ctrl+C cancels the work (exit 130 once it stops); a second one ends the process at once.
Console.CancelKeyPress += (_, e) =>
{
    if (cts.IsCancellationRequested) return;
    e.Cancel = true;
    cts.Cancel();
};
try
{
    var parsed = CliArgs.Parse(rest, command.Options, verbose);
    return await command.RunAsync(parsed, cts.Token);
}
catch (Exception e)
{
    return CliErrors.Report(command.Name, e, command.Options, verbose, Console.Error);
}
