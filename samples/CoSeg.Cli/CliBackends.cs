using CoSeg.Rendering;

namespace CoSeg.Cli;

/// <summary>The `--backend` option of every command, checked against the library's backend registry.</summary>
internal static class CliBackends
{
    private static string[] Names => new[] { "auto" }.Concat(Rasterizer.Backends.Select(b => b.Name)).ToArray();

    /// <summary>Help text of a `--backend` option.</summary>
    public static string Help => $"rasterizer backend: {string.Join("|", Names)} (default auto = native when built, else ilgpu; `coseg info --backends` lists them)";

    /// <summary>The chosen backend name (default "auto").</summary>
    public static string Get(CliArgs args, string option = "backend") => args.GetChoice(option, "auto", Names);
}
