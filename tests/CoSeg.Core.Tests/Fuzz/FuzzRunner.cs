using System.Diagnostics;
using System.Text;

namespace CoSeg.Tests.Fuzz;

/// <summary>What happened to the cases of one reader: counts per mutation and outcome, and every failure.</summary>
internal sealed class FuzzReport
{
    public required string Reader { get; init; }
    public int Cases { get; set; }
    public Dictionary<string, int> CasesPerMutation { get; } = new();
    public Dictionary<string, int> Outcomes { get; } = new();
    public List<string> Failures { get; } = new();
    public long MaxAllocatedBytes { get; set; }
    public long MaxRssGrowthBytes { get; set; }
    public double Seconds { get; set; }
    public double WriteSeconds { get; set; }

    public string Summary()
    {
        var sb = new StringBuilder();
        sb.Append($"{Reader}: {Cases} cases, {CasesPerMutation.Count} distinct malformations (+ valid), {Seconds:0.0} s ({WriteSeconds:0.0} s writing samples), ")
          .Append($"max managed allocation {MaxAllocatedBytes / 1024} KiB, max RSS growth {MaxRssGrowthBytes / (1024 * 1024)} MiB\n")
          .Append("  outcomes: ").Append(string.Join(", ", Outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}"))).Append('\n')
          .Append("  malformations: ").Append(string.Join(", ", CasesPerMutation.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {m.Value}")));
        return sb.ToString();
    }
}

/// <summary>
/// Runs fuzz cases against one <see cref="FuzzReader"/>: case 0 is the valid sample (it must load), every other case
/// applies one mutation (reader-specific ones twice as likely as generic ones) and loads the result on a dedicated
/// thread under a timeout, measuring that thread's managed allocation and the process's RSS growth.
/// </summary>
internal static class FuzzRunner
{
    /// <summary>Per-case wall-clock limit.</summary>
    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);
    /// <summary>Managed bytes one case may allocate (inputs are a few KiB).</summary>
    public const long MaxAllocatedBytes = 256L << 20;
    /// <summary>Resident-set growth one case may cause (native allocations: libtorch, SkiaSharp).</summary>
    public const long MaxRssGrowthBytes = 1L << 30;

    public static FuzzReport Run(FuzzReader reader, int cases, int seed)
    {
        var report = new FuzzReport { Reader = reader.Name };
        var mutations = reader.Mutations.Concat(reader.Mutations).Concat(FuzzMutations.Generic).ToList();
        var distinct = reader.Mutations.Concat(FuzzMutations.Generic).ToList();
        var clock = Stopwatch.StartNew();
        string root = Path.Combine(Path.GetTempPath(), $"coseg-fuzz-{reader.Name}-{Guid.NewGuid().ToString("N")[..12]}");
        try
        {
            for (int i = 0; i < cases; i++)
            {
                int caseSeed = unchecked(seed * 1_000_003 + StableHash(reader.Name) * 7919 + i); // stable across processes (HashCode is not)
                var rng = new Random(caseSeed);
                string dir = Path.Combine(root, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Directory.CreateDirectory(dir);
                var write = Stopwatch.StartNew();
                string target = reader.WriteValid(rng, dir);
                report.WriteSeconds += write.Elapsed.TotalSeconds;
                string mutation = "valid";
                if (i > 0)
                {
                    // Cases 1..M cover every malformation once; later cases draw at random.
                    var m = i - 1 < distinct.Count ? distinct[i - 1] : mutations[rng.Next(mutations.Count)];
                    mutation = m.Name;
                    File.WriteAllBytes(target, m.Apply(File.ReadAllBytes(target), rng));
                    report.CasesPerMutation[m.Name] = report.CasesPerMutation.GetValueOrDefault(m.Name) + 1;
                }
                var (outcome, error, allocated, rss) = RunCase(() => reader.Load(dir, target));
                report.Cases++;
                report.MaxAllocatedBytes = Math.Max(report.MaxAllocatedBytes, allocated);
                report.MaxRssGrowthBytes = Math.Max(report.MaxRssGrowthBytes, rss);
                report.Outcomes[outcome] = report.Outcomes.GetValueOrDefault(outcome) + 1;
                string where = $"{reader.Name} case {i} (seed {seed}, mutation {mutation})";
                if (i == 0 && error is not null) report.Failures.Add($"{where}: the valid sample was refused: {error}");
                else if (error is not null && !FuzzOutcome.IsExpected(error)) report.Failures.Add($"{where}: undocumented {error.GetType().Name}: {error}");
                else if (error is TimeoutException) report.Failures.Add($"{where}: {error.Message}");
                if (allocated > MaxAllocatedBytes) report.Failures.Add($"{where}: allocated {allocated >> 20} MiB (limit {MaxAllocatedBytes >> 20} MiB)");
                if (rss > MaxRssGrowthBytes) report.Failures.Add($"{where}: resident memory grew by {rss >> 20} MiB (limit {MaxRssGrowthBytes >> 20} MiB)");
                if (error is InvalidDataException or FileNotFoundException && !MentionsAFile(error.Message))
                    report.Failures.Add($"{where}: the message does not name the file: {error.Message}");
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
                if (report.Failures.Count > 20) break;
            }
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            report.Seconds = clock.Elapsed.TotalSeconds;
        }
        return report;
    }

    private static bool MentionsAFile(string message) => message.Contains(Path.GetTempPath().TrimEnd('/'), StringComparison.Ordinal) || message.Contains("coseg-fuzz", StringComparison.Ordinal);

    private static int StableHash(string s)
    {
        unchecked
        {
            int h = 17;
            foreach (char c in s) h = h * 31 + c;
            return h;
        }
    }

    /// <summary>Runs <paramref name="load"/> on its own thread; returns the outcome name, the exception, managed bytes allocated and RSS growth.</summary>
    private static (string Outcome, Exception? Error, long Allocated, long RssGrowth) RunCase(Action load)
    {
        Exception? error = null;
        long allocated = 0;
        long rssBefore = Rss();
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try { load(); }
            catch (Exception e) { error = e; }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, maxStackSize: 16 << 20) { IsBackground = true };
        thread.Start();
        if (!thread.Join(CaseTimeout))
            return ("timeout", new TimeoutException($"the load did not finish within {CaseTimeout.TotalSeconds} s (hang?)"), 0, 0);
        long rss = Rss() - rssBefore;
        return (error is null ? "ok" : error.GetType().Name, error, allocated, rss);
    }

    private static long Rss()
    {
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64;
    }
}
