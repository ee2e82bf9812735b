using CoSeg.Rendering.Ilgpu;
using CoSeg.Rendering.Native;
using CoSeg.Rendering.Reference;

namespace CoSeg.Rendering;

/// <summary>
/// The one registry of rasterizer backends: name, description, availability probe and factory. Every option that
/// names a backend ("--backend", <c>RenderOptions.Backend</c>, <c>SegmentOptions.Backend</c>, ...) resolves here.
/// </summary>
internal static class RasterizerBackends
{
    /// <summary>One registered backend.</summary>
    private sealed record Entry(string Name, string Description, Func<string?> WhyUnavailable, Func<IRasterizerBackend> Create);

    private static readonly Entry[] Entries =
    {
        new("native", "C++ CPU tile rasterizer (OpenMP + AVX2); the fast CPU path", () => NativeWhyNot!.Value, CreateNative),
        new("ilgpu", "ILGPU kernels: CUDA when a GPU is present, else the (slow) CPU accelerator", () => null, () => new IlgpuRasterizer()),
        new("reference", "dense TorchSharp maths, O(pixels x Gaussians) memory; small images only (test oracle)", () => null, () => new ReferenceRasterizer()),
    };

    /// <summary>The name that picks the first available of native, ilgpu.</summary>
    public const string Auto = "auto";

    private static readonly object Gate = new();
    private static readonly Dictionary<string, IRasterizerBackend> Cache = new(StringComparer.Ordinal);

    /// <summary>Registered names plus "auto", for messages and help texts.</summary>
    public static string NameList => string.Join(", ", new[] { Auto }.Concat(Entries.Select(e => e.Name)));

    /// <summary>Name, description and availability (with the reason when unavailable) of every registered backend.</summary>
    public static IReadOnlyList<RasterizerBackendInfo> List()
        => Entries.Select(e => { var why = e.WhyUnavailable(); return new RasterizerBackendInfo(e.Name, e.Description, why is null, why); }).ToArray();

    /// <summary>Throws the registry's error for an unknown name; returns the resolved registered name.</summary>
    public static string Resolve(string name, string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        if (key == Auto) return Entries.First(e => e.WhyUnavailable() is null).Name;
        var entry = Entries.FirstOrDefault(e => e.Name == key)
            ?? throw new ArgumentException($"Unknown rasterizer backend '{name}'; use {NameList}.", paramName ?? nameof(name));
        return entry.Name;
    }

    /// <summary>The backend registered as <paramref name="name"/> ("auto" = first available); instances are cached.</summary>
    public static IRasterizerBackend Get(string name)
    {
        string key = Resolve(name);
        lock (Gate)
        {
            if (Cache.TryGetValue(key, out var b)) return b;
            var entry = Entries.First(e => e.Name == key);
            if (entry.WhyUnavailable() is { } why) throw new NotSupportedException($"Rasterizer backend '{key}' is not available: {why}");
            b = entry.Create();
            Cache[key] = b;
            return b;
        }
    }

    /// <summary>Whether the native backend's library can be loaded.</summary>
    public static bool NativeAvailable() => NativeWhyNot.Value is null;

    private static readonly Lazy<string?> NativeWhyNot = new(() =>
    {
        var b = NativeRasterizerBackend.TryCreate(out var whyNot);
        if (b is null) return whyNot ?? "libcoseg_native could not be loaded.";
        lock (Gate) if (!Cache.TryAdd("native", b)) b.Dispose();
        return null;
    });

    /// <summary>The native C++ backend; NotSupportedException (with the reason) when libcoseg_native cannot load.</summary>
    private static IRasterizerBackend CreateNative()
        => NativeRasterizerBackend.TryCreate(out var whyNot) ?? throw new NotSupportedException(whyNot);
}
