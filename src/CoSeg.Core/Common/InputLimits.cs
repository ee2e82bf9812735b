namespace CoSeg.Common;

/// <summary>
/// Sanity limits applied to sizes read from files before anything is allocated (documented in docs/data-formats.md,
/// "Limits on input"). They are far above any real capture and far below what would exhaust memory.
/// </summary>
internal static class InputLimits
{
    /// <summary>Largest accepted image width or height in pixels.</summary>
    public const int MaxImageSide = 65_535;

    /// <summary>Largest accepted image in pixels (2^28 = 268 M: 1 GiB as RGBA8, 3 GiB as float RGB).</summary>
    public const long MaxImagePixels = 1L << 28;

    /// <summary>
    /// Largest accepted number of pixels per byte of file, for images above <see cref="RatioCheckFromPixels"/>. Deflate
    /// cannot exceed about 1032:1 (so a PNG holds at most ~1032 one-byte pixels per byte) and a flat-colour baseline JPEG
    /// about 60 pixels per byte; a header that claims more describes pixels the file cannot hold.
    /// </summary>
    public const long MaxPixelsPerFileByte = 4096;

    /// <summary>Images up to this many pixels (4096²: 64 MiB as RGBA) are never refused by the pixels-per-byte test.</summary>
    public const long RatioCheckFromPixels = 1L << 24;

    /// <summary>Throws <see cref="InvalidDataException"/> unless width × height is a plausible image for a file of <paramref name="fileBytes"/> bytes.</summary>
    public static void CheckImageSize(long width, long height, long fileBytes, string what)
    {
        if (width < 1 || height < 1)
            throw new InvalidDataException($"{what}: invalid image size {width}×{height}.");
        if (width > MaxImageSide || height > MaxImageSide || width * height > MaxImagePixels)
            throw new InvalidDataException($"{what}: image size {width}×{height} exceeds the limit ({MaxImageSide} pixels per side, {MaxImagePixels} pixels in all).");
        if (fileBytes >= 0 && width * height > Math.Max(RatioCheckFromPixels, fileBytes * MaxPixelsPerFileByte))
            throw new InvalidDataException($"{what}: the header claims {width}×{height} pixels but the file has only {fileBytes} bytes; it is truncated or corrupt.");
    }
}
