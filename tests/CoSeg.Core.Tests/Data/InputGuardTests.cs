using System.Buffers.Binary;
using CoSeg.Data;
using CoSeg.Gaussians;
using CoSeg.Segmentation;
using CoSeg.Tests.Gaussians;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Data;

/// <summary>The examples of issue 12, reader by reader: sizes from files are checked before allocation, every error names the file.</summary>
public class InputGuardTests
{
    private static readonly string[] Names = PlyTestFiles.ReferenceProperties(0);

    private static T Bounded<T>(Func<T> f, long maxBytes = 64L << 20)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = f();
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < maxBytes, "allocated more than the guard allows");
        return r;
    }

    [Fact]
    public void Ply_with_more_vertices_than_declared_is_refused()
    {
        using var tmp = new TempDir();
        string path = tmp.File("fewer.ply");
        PlyTestFiles.WriteBinary(path, Names, PlyTestFiles.Rows(3, Names.Length));
        var text = File.ReadAllBytes(path);
        var s = System.Text.Encoding.Latin1.GetString(text).Replace("element vertex 3", "element vertex 1");
        File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(s));
        var e = Assert.Throws<InvalidDataException>(() => GaussianPly.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("room for 2 more vertices", e.Message);
    }

    [Fact]
    public void Ply_with_a_huge_vertex_count_is_refused_before_allocating()
    {
        using var tmp = new TempDir();
        string path = tmp.File("huge.ply");
        PlyTestFiles.WriteBinary(path, Names, PlyTestFiles.Rows(1, Names.Length));
        var s = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path)).Replace("element vertex 1", "element vertex 120000000");
        File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(s));
        var e = Bounded(() => Assert.Throws<InvalidDataException>(() => GaussianPly.Load(path)));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Named_pipe_and_directory_are_refused_without_blocking()
    {
        using var tmp = new TempDir();
        if (tmp.NamedPipe("pipe.ply") is not { } pipe) return;
        var task = Task.Run(() => Assert.Throws<InvalidDataException>(() => GaussianPly.Load(pipe)));
        Assert.True(task.Wait(TimeSpan.FromSeconds(30)), "loading a named pipe blocked");
        Assert.Contains("not a regular file", task.Result.Message);
        var d = Assert.Throws<FileNotFoundException>(() => GaussianPly.Load(tmp.Path));
        Assert.Contains("is a directory", d.Message);
    }

    [Theory]
    [InlineData("(4611686018427387904, 17)")]
    [InlineData("(9223372036854775807, 9223372036854775807)")]
    [InlineData("(3, 17)")]
    public void Npy_shape_larger_than_the_data_is_refused(string shape)
    {
        using var tmp = new TempDir();
        string path = tmp.File("a.npy");
        NpyFile.WriteFloat64(path, new double[17], 1, 17);
        var s = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path)).Replace("(1, 17)", shape.PadRight(7));
        File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(s));
        var e = Bounded(() => Assert.Throws<InvalidDataException>(() => NpyFile.Read(path)));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated data", e.Message);
    }

    [Theory]
    [InlineData("cameras.bin", 16)]                 // width of the first camera
    [InlineData("cameras.bin", 0)]                  // camera count
    [InlineData("images.bin", 0)]                   // image count
    [InlineData("images.bin", 8 + 64 + 6)]          // 2-D point count of the first image
    [InlineData("points3D.bin", 8 + 8 + 24 + 3 + 8)] // track length of the first point
    public void Colmap_binary_counts_near_2_63_are_refused_naming_the_file(string file, int offset)
    {
        using var tmp = new TempDir();
        DatasetFixtures.WriteColmapBinary(Path.Combine(tmp.Path, "sparse", "0"));
        DatasetFixtures.WriteColmapImages(Path.Combine(tmp.Path, "images"), 8, 6);
        foreach (ulong v in new[] { 1UL << 61, 1UL << 63, ulong.MaxValue })
        {
            string path = Path.Combine(tmp.Path, "sparse", "0", file);
            var bytes = File.ReadAllBytes(path);
            var orig = bytes.ToArray();
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), v);
            File.WriteAllBytes(path, bytes);
            var e = Bounded(() => Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(tmp.Path).Dispose()));
            Assert.Contains(file, e.Message);
            File.WriteAllBytes(path, orig);
        }
    }

    private static string NerfDataset(TempDir tmp, string intrinsics = "\"camera_angle_x\": 0.69,", string filePath = "./train/r_0", int w = 8, int h = 6)
    {
        DatasetFixtures.WritePng(Path.Combine(tmp.Path, "train", "r_0.png"), w, h, (x, y) => DatasetFixtures.Pattern(x % 8, y % 6));
        File.WriteAllText(tmp.File("transforms_train.json"),
            $"{{{intrinsics} \"frames\": [{{\"file_path\": \"{filePath}\", \"transform_matrix\": {DatasetFixtures.Matrix(0, 0, 4)}}}]}}");
        return tmp.Path;
    }

    [Theory]
    [InlineData("\"camera_angle_x\": 1e-300,", "camera_angle_x")]
    [InlineData("\"camera_angle_x\": 0.69, \"w\": 3e9,", "invalid image size")]
    [InlineData("\"fl_x\": 1e300,", "fl_x")]
    public void Transforms_with_absurd_intrinsics_are_refused_naming_file_and_frame(string intrinsics, string mention)
    {
        using var tmp = new TempDir();
        string dir = NerfDataset(tmp, intrinsics);
        var e = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(dir).Dispose());
        Assert.Contains("transforms_train.json: frame 0", e.Message);
        Assert.Contains(mention, e.Message);
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("/etc/hostname")]
    public void Transforms_file_path_leaving_the_dataset_is_refused(string filePath)
    {
        using var tmp = new TempDir();
        string dir = NerfDataset(tmp, filePath: filePath);
        var e = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(dir).Dispose());
        Assert.Contains("outside the dataset folder", e.Message);
        Assert.Contains("frame 0", e.Message);
    }

    [Fact]
    public void Absurd_downscale_and_one_pixel_images_are_refused()
    {
        using var tmp = new TempDir();
        string dir = NerfDataset(tmp);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DatasetLoader.Load(dir, new DatasetLoadOptions { Downscale = 1_000_000 }).Dispose());
        Assert.Contains("Downscale = 1000000", e.Message);
        using var tiny = new TempDir();
        string dir1 = NerfDataset(tiny, w: 1, h: 1);
        var e1 = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(dir1).Dispose());
        Assert.Contains("1×1", e1.Message);
    }

    private static void SetIhdrSize(string path, int w, int h)
    {
        var b = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(16), w);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(20), h);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(29), Fuzz.FuzzMutations.Crc32(b.AsSpan(12, 17))); // keep the chunk's CRC valid
        File.WriteAllBytes(path, b);
    }

    [Fact]
    public void Image_header_claiming_more_pixels_than_the_file_holds_is_refused_before_decoding()
    {
        using var tmp = new TempDir();
        string png = tmp.File("big.png");
        DatasetFixtures.WritePng(png, 8, 6, DatasetFixtures.Pattern);
        SetIhdrSize(png, 60000, 60000);
        var e = Bounded(() => Assert.Throws<InvalidDataException>(() => ImageFiles.Load(png, new[] { 1f, 1f, 1f }).Dispose()));
        Assert.Contains(png, e.Message);
        Assert.Contains("exceeds the limit", e.Message);
        SetIhdrSize(png, 16000, 16000); // within the side limit, but 256 M pixels from a few hundred bytes
        e = Bounded(() => Assert.Throws<InvalidDataException>(() => ImageFiles.ReadInfo(png)));
        Assert.Contains("truncated or corrupt", e.Message);
    }

    [Fact]
    public void Truncated_image_is_refused_not_partially_decoded()
    {
        using var tmp = new TempDir();
        string png = tmp.File("t.png");
        var rng = new Random(1);
        DatasetFixtures.WritePng(png, 64, 64, (_, _) => ((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256), 255), opaque: true);
        var b = File.ReadAllBytes(png);
        File.WriteAllBytes(png, b[..(b.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => ImageFiles.Load(png, new[] { 1f, 1f, 1f }).Dispose());
        Assert.Contains("truncated or corrupt", e.Message);
    }

    [Fact]
    public void Label_png_with_huge_or_short_ihdr_is_refused()
    {
        using var tmp = new TempDir();
        string png = tmp.File("l.png");
        LabelIdPng.Save(new int[12], 4, 3, png);
        SetIhdrSize(png, 60000, 60000);
        var e = Bounded(() => Assert.Throws<InvalidDataException>(() => PngLabelReader.Read(png)));
        Assert.Contains(png, e.Message);
        LabelIdPng.Save(new int[12], 4, 3, png);
        var b = File.ReadAllBytes(png);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), 8);
        File.WriteAllBytes(png, b);
        e = Assert.Throws<InvalidDataException>(() => PngLabelReader.Read(png));
        Assert.Contains("IHDR", e.Message);
    }
}
