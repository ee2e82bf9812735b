using CoSeg.Rendering.Native;

namespace CoSeg.Tests.Native;

/// <summary>One AVX2-dispatching and one baseline-kernel native backend shared by the native tests.</summary>
internal static class NativeBackends
{
    private static readonly Lazy<NativeRasterizerBackend> Dispatching = new(() => Create(false));
    private static readonly Lazy<NativeRasterizerBackend> BaselineOnly = new(() => Create(true));

    public static NativeRasterizerBackend Get(bool baseline) => baseline ? BaselineOnly.Value : Dispatching.Value;

    private static NativeRasterizerBackend Create(bool baseline)
        => NativeRasterizerBackend.TryCreate(out var why, forceBaseline: baseline)
           ?? throw new InvalidOperationException("The native backend must load in the test environment: " + why);
}
