namespace CoSeg.Common;

/// <summary>
/// The one place that estimates the memory an operation will need, from sizes taken from options or files, and refuses
/// it before libtorch, ILGPU or the native backend is asked for it. Estimates are deliberately simple lower bounds
/// (the buffers that certainly exist); the limit is the memory this process may use
/// (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: physical memory or the container limit). Allocation failures
/// that still happen inside libtorch are translated by <see cref="Translate"/>.
/// </summary>
internal static class MemoryBudget
{
    /// <summary>Bytes one operation may plan to use. Tests may lower it for their own async flow only (an <see cref="AsyncLocal{T}"/>).</summary>
    internal static long Limit
    {
        get => LimitOverride.Value ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        set => LimitOverride.Value = value;
    }
    private static readonly AsyncLocal<long?> LimitOverride = new();

    /// <summary>Restores the machine's own limit after a test lowered it.</summary>
    internal static void ResetLimit() => LimitOverride.Value = null;

    /// <summary>
    /// Throws <see cref="InsufficientMemoryException"/> when <paramref name="bytes"/> exceeds the limit. The message says
    /// what needs it, how much (with <paramref name="breakdown"/>) and what to change.
    /// </summary>
    public static void Require(double bytes, string operation, string breakdown, string remedy)
    {
        long limit = Limit;
        if (!(bytes <= limit))
            throw new InsufficientMemoryException(
                $"{operation} would need about {ByteSize.Format(bytes)} ({breakdown}), more than the {ByteSize.Format(limit)} of memory available; {remedy}.");
    }

    /// <summary>Bytes of float32 buffers the rasterizer needs per image pixel: C colour channels, alpha, depth, transmittance, last index, and their gradients when <paramref name="backward"/>.</summary>
    public static double RasterImageBytes(long width, long height, int channels, bool backward)
        => (double)width * height * 4 * ((channels + 4) + (backward ? channels + 2 : 0));

    /// <summary>Bytes the rasterizer needs per Gaussian: inputs (means, scales, quaternions, opacity, C channels), projection (2-D mean, conic, depth, radius, tile rectangle) and, with gradients, one gradient per input.</summary>
    public static double RasterGaussianBytes(long gaussians, int channels, bool backward)
        => (double)gaussians * 4 * ((11 + channels) + 12 + (backward ? 11 + channels + 2 : 0));

    /// <summary>Checks one rasterizer call: an image of width × height × channels and <paramref name="gaussians"/> Gaussians.</summary>
    public static void RequireRaster(long width, long height, int channels, long gaussians, bool backward, string operation)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"{operation}: image size must be positive, got {width}×{height}.");
        if (width * height > int.MaxValue / Math.Max(4, channels))
            throw new ArgumentOutOfRangeException(nameof(width),
                $"{operation}: a {width}×{height} image with {channels} channels has more than {int.MaxValue} values; the rasterizer indexes images with 32-bit integers.");
        double image = RasterImageBytes(width, height, channels, backward), perGaussian = RasterGaussianBytes(gaussians, channels, backward);
        Require(image + perGaussian, operation,
                $"{ByteSize.Format(image)} for {width}×{height} pixels × {channels} channels, {ByteSize.Format(perGaussian)} for {gaussians} Gaussians",
                "use a smaller image size, fewer channels or fewer Gaussians");
    }

    /// <summary>Checks the sorted (tile, Gaussian) pair buffers: a 64-bit key, a 32-bit id and the sort's double buffer per pair.</summary>
    public static void RequireTilePairs(long pairs, string operation)
        => Require(pairs * 24.0, operation, $"{pairs} (tile, Gaussian) pairs × 24 B", "use a smaller image or fewer or smaller Gaussians");

    /// <summary>
    /// Bytes of the training state per Gaussian at SH degree <paramref name="shDegree"/>: parameters (59 floats at
    /// degree 3), their gradients, Adam's two moments, and the densification statistics.
    /// </summary>
    public static double TrainingBytesPerGaussian(int shDegree)
    {
        int k = (shDegree + 1) * (shDegree + 1);
        int parameters = 3 + 3 + 4 + 1 + 3 * k;
        return 4.0 * parameters * 4 + 16;
    }

    /// <summary>Translates a libtorch allocation failure into <see cref="InsufficientMemoryException"/>; other exceptions pass through (null).</summary>
    public static Exception? Translate(Exception e, string operation)
    {
        if (e is OutOfMemoryException) return null; // already the right type
        string m = e.Message;
        bool oom = m.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
                   || m.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)
                   || m.Contains("not enough memory", StringComparison.OrdinalIgnoreCase)
                   || m.Contains("bad_alloc", StringComparison.OrdinalIgnoreCase);
        return oom ? new InsufficientMemoryException($"{operation}: the allocation failed ({FirstLine(m)}).", e) : null;
    }

    private static string FirstLine(string s)
    {
        int i = s.IndexOf('\n');
        return (i < 0 ? s : s[..i]).Trim();
    }
}
