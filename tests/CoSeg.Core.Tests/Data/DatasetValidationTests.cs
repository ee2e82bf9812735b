using CoSeg.Data;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Data;

/// <summary>Bad dataset input: each failure names the file and the problem.</summary>
public class DatasetValidationTests
{
    [Fact]
    public void TransformsWithoutFrames_IsReported()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("transforms_train.json"), "{\"camera_angle_x\": 0.7}");
        var e = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("transforms_train.json", e.Message);
        Assert.Contains("'frames'", e.Message);
    }

    [Fact]
    public void FrameWithMissingImage_IsReported()
    {
        using var tmp = new TempDir();
        DatasetFixtures.WritePng(tmp.File("train/r_0.png"), 4, 4, DatasetFixtures.Pattern);
        File.WriteAllText(tmp.File("transforms_train.json"), "{\"camera_angle_x\": 0.7, \"frames\": ["
            + $"{{\"file_path\": \"./train/r_0\", \"transform_matrix\": {DatasetFixtures.Matrix(0, 0, 4)}}},"
            + $"{{\"file_path\": \"./train/r_1\", \"transform_matrix\": {DatasetFixtures.Matrix(0, 0, 5)}}}]}}");
        var e = Assert.Throws<FileNotFoundException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("transforms_train.json: 1 of 2 frames have no image file: ./train/r_1", e.Message);
    }

    [Fact]
    public void UnknownColmapCameraModel_Binary_IsReported()
    {
        using var tmp = new TempDir();
        var cams = new[] { new DatasetFixtures.Cam(1, "?", 42, 8, 6, new[] { 1.0, 2, 3 }) };
        DatasetFixtures.WriteColmapBinary(Path.Combine(tmp.Path, "sparse", "0"), cams);
        DatasetFixtures.WriteColmapImages(Path.Combine(tmp.Path, "images"), 8, 6);
        var e = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("cameras.bin", e.Message);
        Assert.Contains("unknown COLMAP camera model id 42", e.Message);
    }

    [Fact]
    public void UnknownColmapCameraModel_Text_IsReported()
    {
        using var tmp = new TempDir();
        var cams = new[] { new DatasetFixtures.Cam(1, "WEIRD_LENS", -1, 8, 6, new[] { 1.0, 2, 3 }) };
        DatasetFixtures.WriteColmapText(Path.Combine(tmp.Path, "sparse", "0"), cams);
        DatasetFixtures.WriteColmapImages(Path.Combine(tmp.Path, "images"), 8, 6);
        var e = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("cameras.txt", e.Message);
        Assert.Contains("'WEIRD_LENS'", e.Message);
    }

    [Fact]
    public void UnsupportedColmapLensModel_IsRefusedNamingModelAndFile()
    {
        using var tmp = new TempDir();
        var cams = new[] { new DatasetFixtures.Cam(1, "FOV", 7, 8, 6, new[] { 7.0, 7, 4, 3, 0.1 }),
                           new DatasetFixtures.Cam(2, "PINHOLE", 1, 8, 6, new[] { 7.0, 7, 4, 3 }) };
        DatasetFixtures.WriteColmapBinary(Path.Combine(tmp.Path, "sparse", "0"), cams);
        DatasetFixtures.WriteColmapImages(Path.Combine(tmp.Path, "images"), 8, 6);
        var e = Assert.Throws<NotSupportedException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("cameras.bin", e.Message);
        Assert.Contains("FOV", e.Message);
    }

    [Fact]
    public void ColmapMissingImages_AreCountedAndSkippable()
    {
        using var tmp = new TempDir();
        DatasetFixtures.WriteColmapText(Path.Combine(tmp.Path, "sparse", "0"));
        DatasetFixtures.WriteColmapImages(Path.Combine(tmp.Path, "images"), 8, 6);
        File.Delete(Path.Combine(tmp.Path, "images", "b.png"));
        var e = Assert.Throws<FileNotFoundException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("1 of 3 images not found", e.Message);
        Assert.Contains("b.png", e.Message);
        using var ds = DatasetLoader.Load(tmp.Path, new DatasetLoadOptions { SkipMissingImages = true, TestHoldoutEvery = 0 });
        Assert.Equal(2, ds.Train.Count);
        Assert.Single(ds.SkippedImages);
    }

    [Fact]
    public void NpyWithWrongShape_IsReported()
    {
        using var tmp = new TempDir();
        NpyFile.WriteFloat64(tmp.File("poses_bounds.npy"), new double[30], 2, 15);
        DatasetFixtures.WritePng(tmp.File("images/a.png"), 4, 4, DatasetFixtures.Pattern, opaque: true);
        var e = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("poses_bounds.npy", e.Message);
        Assert.Contains("(N, 17)", e.Message);
        Assert.Contains("(2, 15)", e.Message);
    }

    [Fact]
    public void LlffPoseAndImageCountMismatch_IsReported()
    {
        using var tmp = new TempDir();
        NpyFile.WriteFloat64(tmp.File("poses_bounds.npy"), new double[34], 2, 17);
        DatasetFixtures.WritePng(tmp.File("images/a.png"), 4, 4, DatasetFixtures.Pattern, opaque: true);
        var e = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("2 poses but 1 images", e.Message);
    }

    [Fact]
    public void UnrecognisedFolder_IsReported()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(tmp.Path));
        Assert.Contains("unrecognised format", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => DatasetLoader.Load(tmp.File("nope")));
    }
}
