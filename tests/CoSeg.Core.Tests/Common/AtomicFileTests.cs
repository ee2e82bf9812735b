using CoSeg.Common;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Common;

public sealed class AtomicFileTests
{
    [Fact]
    public void Write_CreatesFolderAndFile_LeavesNoTemporary()
    {
        using var tmp = new TempDir();
        string path = Path.Combine(tmp.Path, "sub", "a.bin");
        AtomicFile.Write(path, s => s.Write(new byte[] { 1, 2, 3 }));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal(new[] { "a.bin" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void FailedWrite_KeepsTheOldFile_AndRemovesTheTemporary()
    {
        using var tmp = new TempDir();
        string path = tmp.File("scene.ply");
        File.WriteAllText(path, "old content");
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100]);
            throw new IOException("disk full (simulated)");
        }));
        Assert.Contains("simulated", e.Message);
        Assert.Equal("old content", File.ReadAllText(path));
        Assert.Equal(new[] { "scene.ply" }, Directory.GetFiles(tmp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteAllText_ReplacesContent_Utf8WithoutBom()
    {
        using var tmp = new TempDir();
        string path = tmp.File("m.json");
        File.WriteAllText(path, "a much longer previous content");
        AtomicFile.WriteAllText(path, "{\"µ\":1}");
        Assert.Equal(new byte[] { (byte)'{', (byte)'"', 0xC2, 0xB5, (byte)'"', (byte)':', (byte)'1', (byte)'}' }, File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_ToAFolder_Throws()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(tmp.Path, "x"));
        Assert.Contains("is a folder, expected a file", e.Message);
    }

    [Fact]
    public void EnsureWritableFolder_CreatesMissingFolders()
    {
        using var tmp = new TempDir();
        string dir = Path.Combine(tmp.Path, "a", "b");
        Assert.Equal(Path.GetFullPath(dir), AtomicFile.EnsureWritableFolder(dir));
        Assert.True(Directory.Exists(dir));
        Assert.Empty(Directory.GetFileSystemEntries(dir));   // the probe file is gone
    }

    [Fact]
    public void EnsureWritableFolder_RefusesAFile_AndAPathUnderAFile()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("f"), "x");
        Assert.Contains("exists and is a file", Assert.Throws<IOException>(() => AtomicFile.EnsureWritableFolder(tmp.File("f"))).Message);
        var under = Assert.Throws<IOException>(() => AtomicFile.EnsureWritableFolder(Path.Combine(tmp.File("f"), "x", "y")));
        Assert.Contains($"{tmp.File("f")} is a file, not a folder", under.Message);
    }

    [SkippableFact]
    public void EnsureWritableFolder_RefusesAReadOnlyFolder()
    {
        // Permission bits do not stop root; sysfs refuses new entries even to root (see ReadOnlyFolder).
        using var tmp = new TempDir();
        string? readOnly = ReadOnlyFolder.Find(tmp);
        Skip.If(readOnly is null, "no folder here refuses writes.");
        var e = Assert.Throws<UnauthorizedAccessException>(() => AtomicFile.EnsureWritableFolder(readOnly!));
        Assert.Contains("not writable", e.Message);
        Assert.Throws<UnauthorizedAccessException>(() => AtomicFile.WriteAllText(Path.Combine(readOnly!, "x.json"), "{}"));
    }
}
