using Xunit.Abstractions;

namespace CoSeg.Tests.Fuzz;

/// <summary>
/// Fuzzes every reader in <see cref="FuzzReaders.All"/> in-process. The CI configuration runs
/// <see cref="DefaultCases"/> cases per reader with a fixed seed; set COSEG_FUZZ_CASES and COSEG_FUZZ_SEED for a longer
/// randomized run (see tests/CoSeg.Core.Tests/Fuzz/README.md). The summary (cases per malformation, outcomes) is
/// written to the test output.
/// </summary>
public sealed class FuzzTests
{
    /// <summary>Cases per reader in CI.</summary>
    public const int DefaultCases = 60;

    private readonly ITestOutputHelper _out;
    public FuzzTests(ITestOutputHelper output) => _out = output;

    public static TheoryData<string> ReaderNames()
    {
        var data = new TheoryData<string>();
        foreach (var r in FuzzReaders.All) data.Add(r.Name);
        return data;
    }

    internal static int Cases => int.TryParse(Environment.GetEnvironmentVariable("COSEG_FUZZ_CASES"), out int n) && n > 0 ? n : DefaultCases;
    internal static int Seed => int.TryParse(Environment.GetEnvironmentVariable("COSEG_FUZZ_SEED"), out int s) ? s : 12;

    [Theory]
    [MemberData(nameof(ReaderNames))]
    public void Reader_survives_malformed_input(string name)
    {
        var reader = FuzzReaders.All.Single(r => r.Name == name);
        var report = FuzzRunner.Run(reader, Cases, Seed);
        _out.WriteLine(report.Summary());
        Console.WriteLine(report.Summary());
        Assert.True(report.Failures.Count == 0, $"{report.Failures.Count} failing cases:\n" + string.Join("\n", report.Failures.Take(10)));
        Assert.Equal(Cases, report.Cases);
        Assert.True(report.Outcomes.GetValueOrDefault("ok") >= 1);
        // Every specific malformation of the reader was exercised at least once in the CI configuration.
        foreach (var m in reader.Mutations) Assert.True(report.CasesPerMutation.ContainsKey(m.Name), $"{name}: malformation {m.Name} never drawn");
    }

    [Fact]
    public void Table_has_unique_names_and_every_reader_loads_its_valid_sample()
    {
        Assert.Equal(FuzzReaders.All.Count, FuzzReaders.All.Select(r => r.Name).Distinct().Count());
        foreach (var r in FuzzReaders.All)
        {
            var report = FuzzRunner.Run(r, 1, Seed);
            Assert.True(report.Failures.Count == 0, string.Join("\n", report.Failures));
            Assert.Equal(1, report.Outcomes.GetValueOrDefault("ok"));
        }
    }

    [Fact]
    public void Runner_reports_an_undocumented_exception()
    {
        // A reader that crashes with a NullReferenceException on every mutated input must be reported, so the suite can fail.
        var crashing = new FuzzReader("crashing", (_, dir) => { var p = Path.Combine(dir, "f"); File.WriteAllBytes(p, new byte[] { 1, 2, 3 }); return p; },
            (_, f) => { if (File.ReadAllBytes(f).Length != 3 || File.ReadAllBytes(f)[0] != 1) throw new NullReferenceException("boom"); },
            Array.Empty<FuzzMutation>());
        var report = FuzzRunner.Run(crashing, 30, Seed);
        Assert.Contains(report.Failures, f => f.Contains("NullReferenceException", StringComparison.Ordinal));
    }
}
