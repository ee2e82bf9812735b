using CoSeg.Rendering;
using CoSeg.Tests.Infrastructure;
using static CoSeg.Tests.Native.NativeTestScenes;
using static TorchSharp.torch;

namespace CoSeg.Tests.Native;

/// <summary>
/// Many forward+backward calls must not grow the process's resident memory (native state and scratch reuse).
/// A per-call leak of the saved state alone (tens of KiB) would add far more than the bound over 2000 calls.
/// </summary>
[Collection(ResidentMemoryCollection.Name)]
public class NativeMemoryTests
{
    private static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize;
    }

    [SkippableFact]
    public void RepeatedForwardBackwardKeepsResidentMemoryFlat()
    {
        Skip.IfNot(File.Exists("/proc/self/statm"), "needs /proc/self/statm (Linux)");
        var dcam = Camera(32, 32, 9);
        var scene = NativeTestScenes.Random(60, 3, 9, dcam);
        var backend = NativeBackends.Get(false);
        var cam = ToCamera(dcam);
        using var inputs0 = NewDisposeScope();
        var inputs = Inputs(scene);
        var grad = ones(32, 32, 3);
        void Step()
        {
            using var scope = NewDisposeScope();
            using var f = backend.Forward(inputs, cam, new RasterSettings());
            using var g = backend.Backward(inputs, cam, new RasterSettings(), f, grad, null, null);
        }
        for (var i = 0; i < 300; i++) Step();
        GC.Collect(); GC.WaitForPendingFinalizers();
        var before = ResidentBytes();
        for (var i = 0; i < 2000; i++) Step();
        GC.Collect(); GC.WaitForPendingFinalizers();
        var grown = ResidentBytes() - before;
        Assert.True(grown < 32 << 20, $"resident memory grew by {grown / 1024} KiB over 2000 calls");
    }
}
