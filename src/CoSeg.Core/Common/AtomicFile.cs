using System.Text;

namespace CoSeg.Common;

/// <summary>
/// Writes output files so that a failed or interrupted write never leaves a truncated file under the final name and
/// never destroys a file that was already there: the content goes to a temporary file in the same folder
/// (<c>.NAME.RANDOM.tmp</c>), which is then renamed over the target (a rename within one file system is atomic).
/// Every file the library saves (PLY scenes, PNG renders and label maps) goes through here.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Creates (or replaces) <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is
    /// given. The folder is created when missing. On any exception the temporary file is removed, an existing file
    /// at <paramref name="path"/> is left as it was, and the exception propagates.
    /// </summary>
    /// <exception cref="IOException"><paramref name="path"/> is a folder, or the file system refused the write.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"Cannot write {path}: it is a folder, expected a file.");
        string dir = Path.GetDirectoryName(full) ?? throw new IOException($"Cannot write {path}: it has no parent folder.");
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                write(stream);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="contents"/> as UTF-8 (no byte-order mark) through <see cref="Write"/>.</summary>
    public static void WriteAllText(string path, string contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(contents);
        Write(path, s => s.Write(bytes));
    }

    /// <summary>
    /// Makes sure <paramref name="folder"/> can receive output before long work starts: creates it when missing and
    /// proves it writable by creating and deleting a temporary file. Returns the full path.
    /// </summary>
    /// <exception cref="IOException">The path (or one of its parents) exists and is a file, or the folder cannot be created or written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable (permission denied).</exception>
    public static string EnsureWritableFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string full = Path.GetFullPath(folder);
        if (File.Exists(full)) throw new IOException($"Output folder {folder} exists and is a file, expected a folder.");
        for (var parent = Path.GetDirectoryName(full); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (Directory.Exists(parent)) break;
            if (File.Exists(parent)) throw new IOException($"Cannot create output folder {folder}: {parent} is a file, not a folder.");
        }
        try { Directory.CreateDirectory(full); }
        catch (UnauthorizedAccessException e) { throw new UnauthorizedAccessException($"Cannot create output folder {folder}: permission denied.", e); }
        catch (IOException e) { throw new IOException($"Cannot create output folder {folder}: {e.Message}", e); }
        string probe = Path.Combine(full, $".coseg-write-test.{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (UnauthorizedAccessException e) { throw new UnauthorizedAccessException($"Output folder {folder} is not writable: permission denied.", e); }
        catch (IOException e) { throw new IOException($"Output folder {folder} is not writable: {e.Message}", e); }
        finally { TryDelete(probe); }
        return full;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
