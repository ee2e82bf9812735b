namespace CoSeg.Common;

/// <summary>
/// Opens input files safely: only existing, non-empty regular files are opened, so a directory, a named pipe or a device
/// given as an input never blocks a read or yields a misleading "not found". The check runs before the file is opened
/// (opening a named pipe for reading blocks until a writer appears).
/// </summary>
internal static class InputFiles
{
    /// <summary>
    /// Checks that <paramref name="path"/> is an existing non-empty regular file and returns its length. On Linux a named
    /// pipe, socket or device reports a length of 0, so "empty" and "not a regular file" are refused by the same test.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing exists at the path, or it is a directory.</exception>
    /// <exception cref="InvalidDataException">The file is empty or is not a regular file.</exception>
    public static long CheckRegular(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw new FileNotFoundException($"{what} {path} is a directory, not a file.", path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"{what} not found: {path}", path);
        if (info.Length == 0) throw new InvalidDataException($"{what} {path} is empty or not a regular file (a named pipe or device is refused).");
        return info.Length;
    }

    /// <summary>Like <see cref="CheckRegular"/>, but an empty regular file is allowed (returns 0 and the caller does not open it).</summary>
    public static long CheckRegularMaybeEmpty(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw new FileNotFoundException($"{what} {path} is a directory, not a file.", path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"{what} not found: {path}", path);
        return info.Length;
    }

    /// <summary>Opens a checked regular file for reading; the stream is seekable and its length is known.</summary>
    public static FileStream OpenRead(string path, string what, int bufferSize = 1 << 16)
    {
        CheckRegular(path, what);
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
        if (!fs.CanSeek)
        {
            fs.Dispose();
            throw new InvalidDataException($"{what} {path} is not a regular file.");
        }
        return fs;
    }

    /// <summary>Reads a whole checked regular file, refusing files longer than <paramref name="maxBytes"/> (default: the largest byte array, <see cref="Array.MaxLength"/>).</summary>
    public static byte[] ReadAllBytes(string path, string what, long maxBytes = 0x7FFFFFC7)
    {
        long length = CheckRegular(path, what);
        if (length > maxBytes)
            throw new InvalidDataException($"{what} {path} is {ByteSize.Format(length)}, more than the {ByteSize.Format(maxBytes)} this reader accepts.");
        using var fs = OpenRead(path, what, 1);
        var bytes = new byte[fs.Length];
        fs.ReadExactly(bytes);
        return bytes;
    }
}
