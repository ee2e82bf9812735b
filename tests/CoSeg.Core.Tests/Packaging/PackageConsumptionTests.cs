using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using CoSeg.Tests.Cli;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Packaging;

/// <summary>
/// Packs CoSeg.Core into a local feed with a unique version, checks the package layout, then builds and runs a fresh
/// console app that consumes it (CoSeg.Core + TorchSharp-cpu from nuget.org) and checks what the app computes.
/// </summary>
[Trait("Category", "Package")]
public sealed class PackageConsumptionTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public void PackedLibrary_IsConsumableByAFreshApp_ReconstructsAndSegments()
    {
        string repo = CliRunner.RepoRoot;
        string config = CliRunner.Configuration;
        string version = $"0.0.0-test.{DateTime.UtcNow.Ticks}";
        bool nativeExpected = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("COSEG_SKIP_NATIVE") != "1";
        using var tmp = new TempDir();
        string feed = Path.Combine(tmp.Path, "feed"), app = Path.Combine(tmp.Path, "app");
        Directory.CreateDirectory(app);
        try
        {
            // 1. Pack the library as already built for this test run (the test project references it).
            var pack = Dotnet(repo, "pack", Path.Combine(repo, "src", "CoSeg.Core", "CoSeg.Core.csproj"), "-c", config, "--no-build",
                              "-o", feed, $"-p:PackageVersion={version}", "-nodeReuse:false");
            Assert.True(pack.ExitCode == 0, pack.Describe("dotnet pack"));
            string nupkg = Path.Combine(feed, $"CoSeg.Core.{version}.nupkg");
            Assert.True(File.Exists(nupkg), $"missing {nupkg}");
            Assert.True(File.Exists(Path.ChangeExtension(nupkg, ".snupkg")), "missing the symbol package");
            CheckPackageLayout(nupkg, version, nativeExpected);

            // 2. A fresh console app in its own folder, isolated from any Directory.Build.* above it.
            File.WriteAllText(Path.Combine(tmp.Path, "Directory.Build.props"), "<Project />");
            File.WriteAllText(Path.Combine(tmp.Path, "Directory.Build.targets"), "<Project />");
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{feed}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app, "Consumer.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), ConsumerProgram.Source);
            var add = Dotnet(app, "add", "package", "CoSeg.Core", "--version", version);
            Assert.True(add.ExitCode == 0, add.Describe("dotnet add package CoSeg.Core"));
            add = Dotnet(app, "add", "package", "TorchSharp-cpu", "--version", "0.107.0");
            Assert.True(add.ExitCode == 0, add.Describe("dotnet add package TorchSharp-cpu"));

            var build = Dotnet(app, "build", "-c", "Release", "-nodeReuse:false");
            Assert.True(build.ExitCode == 0, build.Describe("dotnet build (consumer)"));
            string bin = Path.Combine(app, "bin", "Release", "net10.0");
            if (nativeExpected)
                Assert.True(Directory.EnumerateFiles(bin, "libcoseg_native.so", SearchOption.AllDirectories).Any(),
                            "the native rasterizer was not copied to the consumer's output");
            if (OperatingSystem.IsLinux())
                Assert.True(Directory.EnumerateFiles(bin, "libonnxruntime.so", SearchOption.AllDirectories).Any(),
                            "ONNX Runtime's native library did not come with the package's dependency");

            // 3. Run it: TorchSharp must load (the package's buildTransitive step patches it where needed).
            var run = ChildProcess.Run("dotnet", [Path.Combine(bin, "Consumer.dll")], app, StepTimeout);
            Assert.True(run.ExitCode == 0, run.Describe("consumer app"));
            string jsonLine = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
            var m = JsonSerializer.Deserialize<Dictionary<string, double>>(jsonLine)!;
            string all = jsonLine;
            Assert.True(m["gaussians"] > 100, all);
            // Held-out views: far better than the trivial answers (a black image; the most frequent label everywhere).
            Assert.True(m["test_psnr"] > 22 && m["test_psnr"] > m["black_psnr"] + 10, all);
            Assert.True(m["test_accuracy"] > 0.85 && m["test_accuracy"] > m["majority_accuracy"] + 0.2, all);
            Assert.True(m["test_miou"] > 0.6, all);
            Assert.True(m["native_vs_reference_max_diff"] < 1e-3, all);
        }
        finally
        {
            // The unique test version must not accumulate in the global NuGet cache.
            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                           ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            try { Directory.Delete(Path.Combine(cache, "coseg.core", version.ToLowerInvariant()), recursive: true); }
            catch (DirectoryNotFoundException) { }
            catch (IOException) { }
        }
    }

    /// <summary>Assembly, XML docs, README, licence, native library, consumer build step; depends on TorchSharp (not a libtorch build) and ONNX Runtime.</summary>
    private static void CheckPackageLayout(string nupkg, string version, bool nativeExpected)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        string[] required =
        [
            "lib/net10.0/CoSeg.Core.dll", "lib/net10.0/CoSeg.Core.xml", "README.md", "LICENSE",
            "buildTransitive/CoSeg.Core.targets", "buildTransitive/libstdcxx-compat/fix.sh",
            "buildTransitive/libstdcxx-compat/shim.cpp", "buildTransitive/libstdcxx-compat/weaken_verneed.c",
        ];
        foreach (var e in required) Assert.True(entries.Contains(e), $"package lacks {e}; has: {string.Join(", ", entries)}");
        if (nativeExpected)
            Assert.Contains("runtimes/linux-x64/native/libcoseg_native.so", entries);

        using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var meta = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal(version, meta.Element(ns + "version")!.Value);
        Assert.Equal("README.md", meta.Element(ns + "readme")?.Value);
        var deps = meta.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).ToList();
        Assert.Contains("TorchSharp", deps);
        // ONNX Runtime with its native libraries (CPU), so ONNX models load without an install step.
        Assert.Contains("Microsoft.ML.OnnxRuntime", deps);
        Assert.DoesNotContain(deps, d => d.StartsWith("TorchSharp-", StringComparison.Ordinal) || d.StartsWith("libtorch", StringComparison.Ordinal));
    }

    private static ChildProcess.Result Dotnet(string workingDirectory, params string[] args) =>
        ChildProcess.Run("dotnet", args, workingDirectory, StepTimeout);
}
