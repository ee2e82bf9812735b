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

if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
{
    Console.WriteLine("coseg — zero-shot 3D scene segmentation on 3D Gaussian Splatting (CoSeg.Core)");
    Console.WriteLine();
    Console.WriteLine("usage: coseg <command> [options]    (coseg <command> --help for a command's options)");
    Console.WriteLine();
    Console.WriteLine("commands:");
    foreach (var c in commands) Console.WriteLine($"  {c.Name,-14} {c.Summary}");
    return args.Length == 0 ? 2 : 0;
}

var command = commands.FirstOrDefault(c => c.Name == args[0]);
if (command is null)
{
    Console.Error.WriteLine($"coseg: unknown command '{args[0]}' (see coseg --help)");
    return 2;
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
    return 0;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
try
{
    var parsed = CliArgs.Parse(rest, command.Options);
    return await command.RunAsync(parsed, cts.Token);
}
catch (CliUsageException e)
{
    Console.Error.WriteLine($"coseg {command.Name}: {e.Message}");
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine($"coseg {command.Name}: cancelled");
    return 130;
}
catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException or NotSupportedException or InvalidOperationException)
{
    Console.Error.WriteLine($"coseg {command.Name}: error: {e.Message}");
    if (Environment.GetEnvironmentVariable("COSEG_DEBUG") == "1") Console.Error.WriteLine(e);
    return 1;
}
