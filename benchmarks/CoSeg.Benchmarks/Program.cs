using BenchmarkDotNet.Running;
using CoSeg.Benchmarks;

// Runs the BenchmarkDotNet suites: `dotnet run -c Release --project benchmarks/CoSeg.Benchmarks -- --filter '*'`;
// `-- reconstruction-throughput [iterations] [sizes]` prints the trainer's iterations/s and per-stage profile instead;
// `-- dataset-load DIR [downscale] [repeats]` prints a dataset's load + decode time and what the input guards cost of it.
if (args.Length > 0 && args[0] == "reconstruction-throughput") return ReconstructionThroughput.Run(args[1..]);
if (args.Length > 0 && args[0] == "dataset-load") return DatasetLoadCost.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
