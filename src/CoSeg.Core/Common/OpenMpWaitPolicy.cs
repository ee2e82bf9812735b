using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CoSeg.Common;

/// <summary>
/// libtorch and the native rasterizer each bring an OpenMP runtime. With the default (active) wait policy, idle
/// OpenMP workers of one runtime spin for milliseconds after every parallel region and starve the other's workers:
/// measured here, a 64×64 native forward took 61.6 ms instead of 1.7 ms. Setting OMP_WAIT_POLICY=PASSIVE before either
/// runtime starts avoids it. OpenMP reads the variable from the C environment when it loads, so it must be set with
/// libc's setenv (.NET's Environment.SetEnvironmentVariable does not reach native code on Unix) and as early as
/// possible: this module initializer runs when CoSeg.Core is first used. A value the user set is left alone.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    // CA2255: a library module initializer is deliberate here — it must run before libtorch's OpenMP runtime loads.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"))) return;
        try { _ = setenv("OMP_WAIT_POLICY", "PASSIVE", 0); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
