using System.Diagnostics;

namespace CoSeg.Common;

/// <summary>Process memory figures for reports: peak resident set (managed + native) and the managed heap.</summary>
internal static class ProcessMemory
{
    /// <summary>
    /// Peak resident set size of the process in bytes (Linux: VmHWM of /proc/self/status, which counts libtorch's and
    /// the native rasterizer's allocations too; elsewhere the peak working set).
    /// </summary>
    public static long PeakResidentBytes()
    {
        try
        {
            if (OperatingSystem.IsLinux())
                foreach (var line in File.ReadLines("/proc/self/status"))
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                        return long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64;
    }

    /// <summary>Current managed heap size in bytes: as of the last GC, or the allocated bytes when no GC has run yet.</summary>
    public static long ManagedHeapBytes() => Math.Max(GC.GetGCMemoryInfo().HeapSizeBytes, GC.GetTotalMemory(false));
}
