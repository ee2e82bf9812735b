using CoSeg.Rendering.Ilgpu;
using CoSeg.Rendering.Native;
using CoSeg.Rendering.Reference;

namespace CoSeg.Rendering;

/// <summary>Creates and caches the rasterizer backends by name.</summary>
internal static class RasterizerBackends
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, IRasterizerBackend> Cache = new(StringComparer.Ordinal);

    /// <summary>"reference", "ilgpu", "native" or "auto" (native when available, else ILGPU). Instances are cached.</summary>
    public static IRasterizerBackend Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        if (key == "auto") key = NativeAvailable() ? "native" : "ilgpu";
        lock (Gate)
        {
            if (Cache.TryGetValue(key, out var b)) return b;
            b = key switch
            {
                "reference" => new ReferenceRasterizer(),
                "ilgpu" => new IlgpuRasterizer(),
                "native" => CreateNative(),
                _ => throw new ArgumentException($"Unknown rasterizer backend '{name}'; use auto, ilgpu, native or reference.", nameof(name)),
            };
            Cache[key] = b;
            return b;
        }
    }

    /// <summary>Whether the native backend's library can be loaded.</summary>
    public static bool NativeAvailable() => NativeProbe.Value;

    private static readonly Lazy<bool> NativeProbe = new(() =>
    {
        try
        {
            var b = CreateNative();
            lock (Gate) Cache.TryAdd("native", b);
            return true;
        }
        catch (NotSupportedException) { return false; }
        catch (DllNotFoundException) { return false; }
    });

    /// <summary>The native C++ backend; NotSupportedException (with the reason) when libcoseg_native cannot load.</summary>
    private static IRasterizerBackend CreateNative()
        => NativeRasterizerBackend.TryCreate(out var whyNot) ?? throw new NotSupportedException(whyNot);
}
