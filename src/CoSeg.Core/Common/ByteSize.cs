using System.Globalization;

namespace CoSeg.Common;

/// <summary>Formats byte counts for messages (binary units, three significant digits).</summary>
internal static class ByteSize
{
    private static readonly string[] Units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

    /// <summary>"1.5 GiB" style text for a byte count (saturating doubles are fine: ~1e30 B prints as EiB).</summary>
    public static string Format(double bytes)
    {
        int u = 0;
        while (Math.Abs(bytes) >= 1024 && u < Units.Length - 1) { bytes /= 1024; u++; }
        return u == 0 ? $"{bytes.ToString("0", CultureInfo.InvariantCulture)} B"
                      : $"{bytes.ToString(bytes >= 100 ? "0" : bytes >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture)} {Units[u]}";
    }
}
