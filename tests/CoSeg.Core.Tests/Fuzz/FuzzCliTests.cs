using System.Diagnostics;
using System.Text;
using CoSeg.Tests.Cli;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Fuzz;

/// <summary>
/// A few malformed inputs from the fuzz table run through the built CLI as child processes: each must end with exit
/// code 1 or 2 and a message naming the file, never a stack trace, a native crash (134/139) or a hang.
/// </summary>
public sealed class FuzzCliTests
{
    private static FuzzReader Reader(string name) => FuzzReaders.All.Single(r => r.Name == name);

    /// <summary>Writes the reader's valid sample into <paramref name="dir"/> and applies the named mutation.</summary>
    private static string Malformed(string reader, string mutation, string dir, int seed = 3)
    {
        var r = Reader(reader);
        var rng = new Random(seed);
        string target = r.WriteValid(rng, dir);
        var m = r.Mutations.Concat(FuzzMutations.Generic).First(x => x.Name == mutation);
        File.WriteAllBytes(target, m.Apply(File.ReadAllBytes(target), rng));
        return target;
    }

    private static void AssertCleanFailure(CliRunner.Result res, string mustMention)
    {
        Assert.True(res.ExitCode is 1 or 2, $"exit {res.ExitCode}\nstdout: {res.StdOut}\nstderr: {res.StdErr}");
        Assert.DoesNotContain("Unhandled exception", res.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", res.StdErr, StringComparison.Ordinal);
        Assert.Contains(mustMention, res.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ply-binary", "ply-count")]
    [InlineData("ply-binary", "truncate")]
    [InlineData("ply-ascii", "ply-ascii-value")]
    public void Info_refuses_a_malformed_ply(string reader, string mutation)
    {
        using var tmp = new TempDir();
        string ply = Malformed(reader, mutation, tmp.Path);
        var res = CliRunner.Run("info", "--ply", ply);
        if (res.ExitCode == 0) return; // the mutation happened to leave a valid file (e.g. a count that is right)
        AssertCleanFailure(res, "scene.ply");
    }

    [Theory]
    [InlineData("colmap-cameras-bin", "camera-width", "cameras.bin", false)]
    [InlineData("colmap-points3d-bin", "track-length", "points3D.bin", false)]
    [InlineData("transforms-json", "fov-extreme", "transforms_train.json", true)]
    [InlineData("transforms-json", "path-escape", "transforms_train.json", true)]
    [InlineData("transforms-json", "size-extreme", "transforms_train.json", true)]
    public void Info_refuses_a_malformed_dataset(string reader, string mutation, string file, bool alwaysMalformed)
    {
        using var tmp = new TempDir();
        Malformed(reader, mutation, tmp.Path);
        var res = CliRunner.Run("info", "--data", tmp.Path);
        // Some draws of an extreme value are valid (e.g. a width of 127); only failures are judged then.
        if (res.ExitCode == 0 && !alwaysMalformed) return;
        AssertCleanFailure(res, file);
    }

    [Fact]
    public void A_named_pipe_as_ply_is_refused_without_blocking()
    {
        using var tmp = new TempDir();
        if (tmp.NamedPipe("pipe.ply") is not { } pipe) return;
        var sw = Stopwatch.StartNew();
        var res = CliRunner.Run("info", "--ply", pipe);
        AssertCleanFailure(res, "pipe.ply");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Eval_of_an_empty_scene_fails()
    {
        using var tmp = new TempDir();
        string data = Path.Combine(tmp.Path, "data");
        Directory.CreateDirectory(data);
        Reader("transforms-json").WriteValid(new Random(1), data);
        // transforms_train.json only: evaluate the train split.
        string ply = tmp.File("empty.ply");
        File.WriteAllText(ply, "ply\nformat binary_little_endian 1.0\nelement vertex 0\n" +
            string.Concat("x y z f_dc_0 f_dc_1 f_dc_2 opacity scale_0 scale_1 scale_2 rot_0 rot_1 rot_2 rot_3".Split(' ').Select(p => $"property float {p}\n")) + "end_header\n", Encoding.ASCII);
        var res = CliRunner.Run("eval", "--ply", ply, "--data", data, "--split", "train", "--backend", "reference");
        AssertCleanFailure(res, "no Gaussians");
    }
}
