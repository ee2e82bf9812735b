using CoSeg.Gaussians;
using CoSeg.Gaussians.Formats;

namespace CoSeg.Cli.Commands;

/// <summary>
/// `coseg convert --in FILE --out FILE [--format NAME]`: converts a Gaussian scene between the registered formats
/// (input detected by content; output from --format or the output extension). Prints one line of JSON.
/// </summary>
internal sealed class ConvertCommand : ICliCommand
{
    public string Name => "convert";
    public string Summary => "convert a Gaussian scene between PLY, compressed PLY, SPZ and .splat";

    public IReadOnlyList<CliOption> Options { get; } = new[]
    {
        new CliOption("in", "FILE", "input scene (format detected by content)", Required: true, IsPath: true),
        new CliOption("out", "FILE", "output file", Required: true, IsPath: true, MustExist: false),
        new CliOption("format", "NAME", $"output format: {string.Join("|", GaussianSceneFormats.All.Where(f => f.CanWrite).Select(f => f.Name))} (default: from the --out extension)"),
    };

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        string input = args.Require("in"), output = args.Require("out");
        var inFormat = GaussianSceneFile.Detect(input);
        var outFormat = args.Get("format") is { } name ? GaussianSceneFormats.Get(name)
            : GaussianSceneFormats.FromExtension(output) ?? throw new CliUsageException($"cannot tell the output format from '{output}'; give --format");
        using var scene = GaussianSceneFile.Load(input, inFormat.Name);
        if (outFormat is AntimatterSplatFormat && scene.ShDegree > 0)
            Console.Error.WriteLine($"coseg convert: the .splat format keeps only the DC colour; SH degree {scene.ShDegree} coefficients are dropped");
        GaussianSceneFile.Save(scene, output, outFormat.Name);
        Console.WriteLine($"{{\"in\":\"{Escape(input)}\",\"inFormat\":\"{inFormat.Name}\",\"out\":\"{Escape(output)}\",\"outFormat\":\"{outFormat.Name}\",\"gaussians\":{scene.Count},\"shDegree\":{scene.ShDegree}}}");
        return Task.FromResult(0);
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
