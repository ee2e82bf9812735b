using System.Diagnostics;
using System.Text.Json;
using CoSeg.Gaussians;
using CoSeg.Tests.Infrastructure;
using CoSeg.Tests.Viewing;
using static TorchSharp.torch;

namespace CoSeg.Tests.Cli;

/// <summary>`coseg view` end to end: a segmented PLY is served on loopback, its segments come from the label property.</summary>
[Trait("Category", "Cli")]
public sealed class ViewCommandTests
{
    [Fact]
    public async Task Serves_a_segmented_ply_on_loopback()
    {
        using var tmp = new TempDir();
        var (scene, ids) = ViewerTestScenes.ThreeSegments();
        using (scene)
        {
            scene.ExtraProperties["label"] = tensor(ids.Select(i => (float)i).ToArray());
            GaussianPly.Save(scene, tmp.File("segmented.ply"));
        }
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { CliRunner.CosegDll, "view", "--ply", tmp.File("segmented.ply"), "--segmented", "--port", "0" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        try
        {
            string? url = null;
            var sw = Stopwatch.StartNew();
            while (url is null && sw.Elapsed < TimeSpan.FromSeconds(60))
            {
                var line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.NotNull(line);
                if (line!.StartsWith("viewer: ", StringComparison.Ordinal)) url = line["viewer: ".Length..].Split(' ')[0];
            }
            Assert.NotNull(url);
            Assert.StartsWith("http://127.0.0.1:", url);
            using var http = new HttpClient { BaseAddress = new Uri(url!) };
            JsonElement info;
            do
            {
                info = JsonDocument.Parse(await http.GetStringAsync("/api/scene")).RootElement;
                if (info.GetProperty("loading").GetBoolean()) await Task.Delay(100);
            } while (info.GetProperty("loading").GetBoolean() && sw.Elapsed < TimeSpan.FromSeconds(60));
            Assert.Equal(120, info.GetProperty("count").GetInt32());
            Assert.Equal(new[] { 1, 2, 3 }, info.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("id").GetInt32()));
            Assert.Equal(new[] { 40, 40, 40 }, info.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("count").GetInt32()));
        }
        finally
        {
            // SIGTERM stops the server like Ctrl+C; kill it only if it does not exit.
            if (!p.HasExited) Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            if (!p.WaitForExit(TimeSpan.FromSeconds(20))) p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        Assert.Equal(0, p.ExitCode);
    }
}
