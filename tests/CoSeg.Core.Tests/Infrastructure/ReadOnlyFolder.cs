namespace CoSeg.Tests.Infrastructure;

/// <summary>
/// A folder nothing can be created in, for tests of unwritable outputs. As an ordinary user that is a folder of
/// <see cref="TempDir"/> with mode 0555; the tests may run as root, for whom permission bits do not stop writes, so
/// then it is /sys: sysfs refuses new files and folders even to root. Whichever is returned was first proven
/// unwritable; null when neither is (the caller skips).
/// </summary>
internal static class ReadOnlyFolder
{
    public static string? Find(TempDir tmp)
    {
        string local = tmp.File("read-only");
        Directory.CreateDirectory(local);
        File.SetUnixFileMode(local, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                                    | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return new[] { local, "/sys" }.FirstOrDefault(d => Directory.Exists(d) && !CanCreateIn(d));
    }

    private static bool CanCreateIn(string folder)
    {
        string probe = Path.Combine(folder, ".coseg-probe-" + Guid.NewGuid().ToString("N"));
        try { File.WriteAllText(probe, ""); File.Delete(probe); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
