using System.Diagnostics;
using System.Globalization;
using CoSeg.Common;
using CoSeg.Data;

namespace CoSeg.Benchmarks;

/// <summary>
/// What the input guards cost next to loading a dataset: the time to read a dataset's description and decode every
/// training image (what a reconstruction does before its first step), and, on the same files, the guards alone — the
/// regular-file check and the header-size check that run before any pixel buffer is allocated. Prints both and the
/// ratio. Run: dotnet run -c Release --project benchmarks/CoSeg.Benchmarks -- dataset-load DIR [downscale] [repeats]
/// e.g. `-- dataset-load ../shared/data/nerf_synthetic/lego 8 5`.
/// </summary>
internal static class DatasetLoadCost
{
    public static int Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: dataset-load DIR [downscale] [repeats]");
            return 2;
        }
        string dir = args[0];
        int downscale = args.Length > 1 ? int.Parse(args[1], inv) : 1;
        int repeats = args.Length > 2 ? int.Parse(args[2], inv) : 5;
        Console.WriteLine($"dataset load cost: {dir}, downscale {downscale}, {repeats} repeats, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}");

        var loadMs = new List<double>();
        var files = new List<(string Path, int W, int H, long Bytes)>();
        for (int r = 0; r < repeats + 1; r++)
        {
            var sw = Stopwatch.StartNew();
            using (var dataset = DatasetLoader.Load(dir, new DatasetLoadOptions { Downscale = downscale }))
            {
                foreach (var view in dataset.Train)
                {
                    using var image = view.LoadImage();
                    if (r == 0 && view.ImagePath is string p)
                    {
                        var (w, h, _) = ImageFiles.ReadInfo(p);
                        files.Add((p, w, h, new FileInfo(p).Length));
                    }
                }
            }
            sw.Stop();
            if (r > 0) loadMs.Add(sw.Elapsed.TotalMilliseconds);   // the first pass warms the JIT and the page cache
            GC.Collect();
        }

        // The guards on the same files, many times over so the timer resolves them.
        const int inner = 200;
        var guardMs = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int k = 0; k < inner; k++)
                foreach (var f in files)
                for (int twice = 0; twice < 2; twice++)   // once when the dataset reads the header, once at decode
                {
                    long bytes = InputFiles.CheckRegular(f.Path, "Image file");
                    InputLimits.CheckImageSize(f.W, f.H, bytes, "Image file");
                }
            sw.Stop();
            guardMs.Add(sw.Elapsed.TotalMilliseconds / inner);
        }
        double load = Median(loadMs), guard = Median(guardMs);
        Console.WriteLine($"load + decode of {files.Count} training images: median {load.ToString("F1", inv)} ms (runs: {string.Join(" ", loadMs.Select(x => x.ToString("F0", inv)))})");
        Console.WriteLine($"guards on the same files: median {guard.ToString("F3", inv)} ms = {(100 * guard / load).ToString("F3", inv)} % of the load");
        return 0;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }
}
