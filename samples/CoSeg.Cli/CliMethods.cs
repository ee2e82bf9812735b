using CoSeg.Segmentation;

namespace CoSeg.Cli;

/// <summary>The segmentation method names and method settings shared by `segment` and `bench-seg`.</summary>
internal static class CliMethods
{
    /// <summary>Method names: the per-Gaussian baseline with Gaussian Grouping's recipe, or bare.</summary>
    public static readonly string[] Names = { "coseg", "per-gaussian", "per-gaussian-bare", "vote" };

    public const string Help = "coseg (shared decoder) | per-gaussian (Gaussian Grouping's recipe) | per-gaussian-bare (free logits, plain CE) | vote (training-free αT vote)";

    /// <summary>The options that select the method and its settings, common to the commands.</summary>
    public static IEnumerable<CliOption> Options(string methodHelp) => new[]
    {
        new CliOption("method", "NAME", methodHelp),
        new CliOption("vote-input", "on|off", "CoSeg: feed the αT vote shares to the decoder (default off)"),
        new CliOption("agreement-power", "P", "CoSeg: weight each (view, segment) by its agreement with the vote to this power; 0 = off (default 2)"),
        new CliOption("spatial-kl", "W", "CoSeg: weight of the 3D neighbourhood KL term (default 0.5)"),
    };

    /// <summary>The options for <paramref name="name"/> (one of <see cref="Names"/>) with the method settings of <paramref name="args"/>.</summary>
    public static SegmentOptions Apply(SegmentOptions o, string name, CliArgs args)
    {
        o = name switch
        {
            "coseg" => o with { Method = SegmentationMethod.CoSeg },
            "per-gaussian" => o with { Method = SegmentationMethod.PerGaussian, PerGaussianRecipe = PerGaussianRecipe.GaussianGrouping },
            "per-gaussian-bare" => o with { Method = SegmentationMethod.PerGaussian, PerGaussianRecipe = PerGaussianRecipe.Bare },
            "vote" => o with { Method = SegmentationMethod.Vote },
            _ => throw new CliUsageException($"unknown method '{name}' (expected {string.Join("|", Names)})"),
        };
        string vi = args.GetChoice("vote-input", o.VoteInput ? "on" : "off", "on", "off");
        double power = args.GetDouble("agreement-power", o.AgreementWeightPower);
        if (!(power >= 0)) throw new CliUsageException($"--agreement-power must be ≥ 0, got {power}");
        double kl = args.GetDouble("spatial-kl", o.SpatialKlWeight);
        if (!(kl >= 0)) throw new CliUsageException($"--spatial-kl must be ≥ 0, got {kl}");
        return o with { VoteInput = vi == "on", AgreementWeightPower = power, SpatialKlWeight = kl };
    }

    /// <summary>The benchmark label of a method.</summary>
    public static string Label(SegmentOptions o) => o.Method switch
    {
        SegmentationMethod.CoSeg => "coseg",
        SegmentationMethod.Vote => "vote",
        _ => o.PerGaussianRecipe == PerGaussianRecipe.Bare ? "per-gaussian-bare" : "per-gaussian",
    };
}
