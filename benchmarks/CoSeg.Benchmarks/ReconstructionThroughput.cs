using System.Globalization;
using CoSeg.Gaussians;
using CoSeg.Reconstruction;
using CoSeg.Rendering;

namespace CoSeg.Benchmarks;

/// <summary>
/// Trainer throughput at 100k Gaussians (the reference's random initialisation size): iterations/s and the per-stage
/// profile at 100×100 and 400×400, on a generated scene (100k random Gaussians fitted to renders of another random set
/// from an orbit of 16 views, SH degree 3 with its schedule, no densification inside the measured window).
/// Run: dotnet run -c Release --project benchmarks/CoSeg.Benchmarks -- reconstruction-throughput [iterations] [sizes]
/// e.g. `-- reconstruction-throughput 100 100,400`.
/// </summary>
internal static class ReconstructionThroughput
{
    public static int Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        int iterations = args.Length > 0 ? int.Parse(args[0], inv) : 100;
        int[] sizes = args.Length > 1 ? args[1].Split(',').Select(s => int.Parse(s, inv)).ToArray() : [100, 400];
        const int gaussians = 100_000;
        Console.WriteLine($"reconstruction throughput: {gaussians} Gaussians, {iterations} iterations (+10 warm-up), {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (int size in sizes)
        {
            using var truth = GaussianInitializer.RandomInCube(20_000, (0, 0, 0), 1.0, 0, 1, 0.6);
            using var start = GaussianInitializer.RandomInCube(gaussians, (0, 0, 0), 1.3, 3, 2);
            var views = new List<TrainingView>();
            foreach (var cam in LookAtCamera.Orbit((0, 0, 0), 4, (0, -1, 0), 16, size, size, fovYDegrees: 40))
            {
                using var r = Rasterizer.Render(truth, cam, new RenderOptions { Settings = new RasterSettings { Background = [1f, 1f, 1f] } });
                var img = r.Image.detach().clone();
                views.Add(new TrainingView(cam, () => (img.clone(), null)));
            }
            var data = new TrainingData(views, null, null, [1f, 1f, 1f], false);
            var options = new ReconstructOptions { Iterations = iterations + 10, DensifyFrom = 1_000_000, DensifyUntil = 2_000_000 };
            TrainingProfile? warm = null, last = null;
            var progress = new SyncProgress(p => { if (p.Iteration == 10) warm = p.Profile; last = p.Profile; });
            using (Reconstructor.Train(start, data, options, progress)) { }
            var profile = last!.Minus(warm!);
            Console.WriteLine($"{size}x{size}: {profile.Iterations / profile.TotalSeconds:F2} it/s");
            Console.WriteLine(profile);
        }
        return 0;
    }

    private sealed class SyncProgress(Action<ReconstructProgress> report) : IProgress<ReconstructProgress>
    {
        public void Report(ReconstructProgress value) => report(value);
    }
}
