using System.Globalization;
using System.Text;
using CoSeg.Data;
using CoSeg.Gaussians;
using TorchSharp;

namespace CoSeg.Cli.Commands;

/// <summary>
/// `coseg info`: one line of JSON describing a dataset (<c>--data DIR [--downscale N]</c>) or a Gaussian PLY (<c>--ply FILE</c>),
/// or one line per rasterizer backend (<c>--backends</c>).
/// </summary>
internal sealed class InfoCommand : ICliCommand
{
    public string Name => "info";
    public string Summary => "print one line of JSON about a dataset folder or a Gaussian PLY file, or list the rasterizer backends";

    public IReadOnlyList<CliOption> Options { get; } = new[]
    {
        new CliOption("data", "DIR", "dataset folder (NeRF-synthetic, instant-ngp, LLFF or COLMAP)", IsPath: true),
        new CliOption("downscale", "N", "image downscale factor for --data (default 1)"),
        new CliOption("ply", "FILE", "3DGS PLY file", IsPath: true),
        new CliOption("backends", null, "list the rasterizer backends (name, availability, description), one JSON line each"),
    };

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        bool hasData = args.Has("data"), hasPly = args.Has("ply");
        if (args.Has("backends"))
        {
            if (hasData || hasPly) throw new CliUsageException("--backends takes no --data or --ply");
            foreach (var b in CoSeg.Rendering.Rasterizer.Backends)
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { name = b.Name, available = b.Available, description = b.Description, unavailable_reason = b.UnavailableReason }));
            return Task.FromResult(0);
        }
        if (hasData == hasPly) throw new CliUsageException("give exactly one of --data DIR or --ply FILE (or --backends)");
        if (hasPly)
        {
            if (args.Has("downscale")) throw new CliUsageException("--downscale applies to --data only");
            Console.WriteLine(DescribePly(args.Require("ply")));
        }
        else
        {
            int downscale = args.GetInt("downscale", 1);
            if (downscale < 1) throw new CliUsageException($"option '--downscale' must be ≥ 1, got {downscale}");
            Console.WriteLine(DescribeDataset(args.Require("data"), downscale, ct));
        }
        return Task.FromResult(0);
    }

    internal static string DescribeDataset(string dir, int downscale, CancellationToken ct)
    {
        using var ds = DatasetLoader.Load(dir, new DatasetLoadOptions { Downscale = downscale }, ct);
        var views = ds.AllViews;
        var c = views[0].Camera;
        return "{" + string.Join(",",
            $"\"format\":\"{ds.Format}\"", $"\"cameras\":{views.Count}", $"\"width\":{c.Width}", $"\"height\":{c.Height}",
            $"\"fx\":{Num(c.Fx)}", $"\"fy\":{Num(c.Fy)}", $"\"cx\":{Num(c.Cx)}", $"\"cy\":{Num(c.Cy)}", $"\"points\":{ds.PointCount}") + "}";
    }

    internal static string DescribePly(string file)
    {
        using var scene = GaussianPly.Load(file);
        string min = "[0,0,0]", max = "[0,0,0]";
        if (scene.Count > 0)
        {
            using var lo = scene.Means.amin(0); using var hi = scene.Means.amax(0);
            min = Vec(lo.data<float>().ToArray()); max = Vec(hi.data<float>().ToArray());
        }
        return $"{{\"gaussians\":{scene.Count},\"shDegree\":{scene.ShDegree},\"bboxMin\":{min},\"bboxMax\":{max}}}";
    }

    private static string Vec(float[] v) => "[" + string.Join(",", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]";
    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
