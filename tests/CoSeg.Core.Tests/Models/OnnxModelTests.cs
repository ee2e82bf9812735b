using System.Diagnostics;
using CoSeg.Features;
using CoSeg.Geometry;
using CoSeg.Models;
using CoSeg.Segmentation;
using CoSeg.Tests.Infrastructure;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Tests.Models;

/// <summary>
/// The ONNX feature extractor and semantic label source against the tiny models of Assets/make_onnx_assets.py, whose
/// closed-form weights are recomputed here with plain TorchSharp maths; and the errors for files and models that do
/// not fit.
/// </summary>
public sealed class OnnxModelTests
{
    internal static string Asset(string name) => Path.Combine(AppContext.BaseDirectory, "Assets", name);

    private static Tensor Image(int h, int w, int seed) => rand(new long[] { h, w, 3 }, generator: new Generator((ulong)seed));

    private static readonly float[] ImageNetMean = { 0.485f, 0.456f, 0.406f }, ImageNetStd = { 0.229f, 0.224f, 0.225f };

    /// <summary>w[o,c,ky,kx] = 0.5·sin(1 + flat index), b[o] = 0.1·(o − 4), as the script makes them.</summary>
    private static (Tensor W, Tensor B) BackboneWeights() =>
        (tensor(Enumerable.Range(0, 8 * 27).Select(i => (float)(0.5 * Math.Sin(1.0 + i))).ToArray()).reshape(8, 3, 3, 3),
         tensor(Enumerable.Range(0, 8).Select(o => (float)(0.1 * (o - 4))).ToArray()));

    [Fact]
    public void Backbone_MatchesTheSameConvolutionInTorchSharp()
    {
        using var fx = new OnnxFeatureExtractor(Asset("tiny_backbone.onnx"));
        Assert.Equal("onnx:tiny_backbone.onnx", fx.Name);
        using var scope = NewDisposeScope();
        var img = Image(11, 14, 1);
        var got = fx.Extract(img);
        Assert.Equal(new long[] { 8, 6, 7 }, got.shape);
        var x = ((img.permute(2, 0, 1) - tensor(ImageNetMean).reshape(3, 1, 1)) / tensor(ImageNetStd).reshape(3, 1, 1)).unsqueeze(0);
        var (w, b) = BackboneWeights();
        var expected = F.relu(F.conv2d(x, w, b, strides: new long[] { 2, 2 }, padding: new long[] { 1, 1 })).squeeze(0);
        Assert.True(expected.gt(0).any().item<bool>() && expected.eq(0).any().item<bool>(), "the test image should exercise both sides of the ReLU");
        Assert.True(allclose(got, expected, 1e-5, 1e-5), $"max diff {(got - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Backbone_ReadsTheNamedOutput_AndNamesTheOutputsWhenAskedForAMissingOne()
    {
        using var scope = NewDisposeScope();
        var img = Image(8, 10, 2);
        using var maps = new OnnxFeatureExtractor(Asset("tiny_backbone.onnx"), new OnnxFeatureOptions { Mean = null, Std = null });
        using var pooled = new OnnxFeatureExtractor(Asset("tiny_backbone.onnx"), new OnnxFeatureOptions { Mean = null, Std = null, OutputName = "pooled" });
        var map = maps.Extract(img);
        var p = pooled.Extract(img);
        Assert.Equal(new long[] { 8, 1, 1 }, p.shape);
        Assert.True(allclose(p.reshape(8), map.mean(new long[] { 1, 2 }), 1e-5, 1e-5));
        var e = Assert.Throws<ArgumentException>(() => new OnnxFeatureExtractor(Asset("tiny_backbone.onnx"), new OnnxFeatureOptions { OutputName = "logits" }));
        foreach (var name in new[] { "'logits'", "'features'", "'pooled'" }) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void VitTokens_DropTheClassToken_AndAreReshapedToThePatchGrid()
    {
        using var scope = NewDisposeScope();
        var img = Image(20, 24, 3);
        var w = tensor(Enumerable.Range(0, 6 * 48).Select(i => (float)(0.25 * Math.Cos(i))).ToArray()).reshape(6, 3, 4, 4);
        var b = tensor(Enumerable.Range(0, 6).Select(o => (float)(0.05 * o)).ToArray());
        var resized = F.interpolate(img.permute(2, 0, 1).unsqueeze(0), new long[] { 16, 16 }, mode: InterpolationMode.Bilinear, align_corners: false);
        var expected = F.conv2d(resized, w, b, strides: new long[] { 4, 4 }).squeeze(0); // 6×4×4, row-major patches
        foreach (var o in new[]
                 {
                     new OnnxFeatureOptions { InputSize = (16, 16), Mean = null, Std = null },                                   // inferred
                     new OnnxFeatureOptions { InputSize = (16, 16), Mean = null, Std = null, Layout = OnnxFeatureLayout.Tokens, PrefixTokens = 1, PatchSize = 4 },
                 })
        {
            using var fx = new OnnxFeatureExtractor(Asset("tiny_vit.onnx"), o);
            var got = fx.Extract(img);
            Assert.Equal(new long[] { 6, 4, 4 }, got.shape);
            Assert.True(allclose(got, expected, 1e-5, 1e-5), $"max diff {(got - expected).abs().max().item<float>()}");
        }
        // Keeping the class token cannot form a 4×4 grid of patch size 4: a clear error, not a wrong reshape.
        using var wrong = new OnnxFeatureExtractor(Asset("tiny_vit.onnx"), new OnnxFeatureOptions { InputSize = (16, 16), PrefixTokens = 0, PatchSize = 4 });
        var e = Assert.Throws<InvalidDataException>(() => wrong.Extract(img));
        Assert.Contains("17 output tokens", e.Message);
    }

    [Fact]
    public void FixedSizeModel_RefusesAnotherImageSize_WithAClearError()
    {
        using var fx = new OnnxFeatureExtractor(Asset("tiny_vit.onnx"));
        using var img = Image(20, 20, 4);
        var e = Assert.Throws<ArgumentException>(() => fx.Extract(img));
        foreach (var part in new[] { "'pixel_values'", "[1,3,16,16]", "[1,3,20,20]", "InputSize" }) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void NotAnOnnxFile_MissingFile_AndAModelWithTheWrongInputs_AreClearErrors()
    {
        using var tmp = new TempDir();
        string junk = tmp.File("junk.onnx");
        File.WriteAllText(junk, "this is not a protobuf model");
        var e1 = Assert.Throws<InvalidDataException>(() => new OnnxFeatureExtractor(junk));
        Assert.Contains(junk, e1.Message);
        var e2 = Assert.Throws<InvalidDataException>(() => new OnnxLabelSource(Asset("tiny_segmenter.pt")));
        Assert.Contains("tiny_segmenter.pt", e2.Message);
        Assert.Throws<FileNotFoundException>(() => new OnnxLabelSource(tmp.File("missing.onnx")));
        // The SAM decoder has six inputs, none of them an image.
        var e3 = Assert.Throws<InvalidDataException>(() => new OnnxFeatureExtractor(Asset("fake_sam_decoder.onnx")));
        Assert.Contains("6 inputs", e3.Message);
        Assert.Contains("'point_coords'", e3.Message);
        // A model with one image input and a map output is a feature model, whatever it was made for.
        using var enc = new OnnxFeatureExtractor(Asset("fake_sam_encoder.onnx"), new OnnxFeatureOptions { InputSize = (64, 64) });
        using var img = Image(30, 40, 5);
        using var f = enc.Extract(img);
        Assert.Equal(new long[] { 1, 16, 16 }, f.shape);
    }

    [Fact]
    public void CudaProvider_WithTheCpuPackage_FailsWithAMessageNamingTheGpuPackage()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new OnnxFeatureExtractor(Asset("tiny_backbone.onnx"),
            new OnnxFeatureOptions { Session = new OnnxSessionOptions { Provider = OnnxExecutionProvider.Cuda } }));
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", e.Message);
    }

    [Fact]
    public void ThreadCount_IsAppliedAndValidated()
    {
        using var fx = new OnnxFeatureExtractor(Asset("tiny_backbone.onnx"), new OnnxFeatureOptions { Session = new OnnxSessionOptions { IntraOpThreads = 1, InterOpThreads = 1 } });
        using var img = Image(6, 6, 6);
        using var f = fx.Extract(img);
        Assert.Equal(new long[] { 8, 3, 3 }, f.shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxFeatureExtractor(Asset("tiny_backbone.onnx"),
            new OnnxFeatureOptions { Session = new OnnxSessionOptions { IntraOpThreads = -2 } }));
    }

    private static SegmentationView View(string name, Tensor image) =>
        new(name, new Camera((int)image.shape[1], (int)image.shape[0], 10, 10, image.shape[1] / 2.0, image.shape[0] / 2.0,
            new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 0 }, name), image);

    /// <summary>The tiny segmenter's argmax by hand: class 0 scores 0.5, classes 1..3 score 2·R, 2·G, 2·B (first maximum wins).</summary>
    private static long[] ExpectedClasses(Tensor img)
    {
        var px = img.reshape(-1, 3).data<float>().ToArray();
        var r = new long[px.Length / 3];
        for (int p = 0; p < r.Length; p++)
        {
            float best = 0.5f; long k = 0;
            for (int c = 0; c < 3; c++) if (2 * px[3 * p + c] > best) { best = 2 * px[3 * p + c]; k = c + 1; }
            r[p] = k;
        }
        return r;
    }

    [Fact]
    public void Segmenter_LabelsAreTheArgmax_MappedThroughTheClassMap()
    {
        using var scope = NewDisposeScope();
        var img = Image(9, 13, 7) * 0.6f; // some pixels below 0.25 everywhere → class 0
        var expected = ExpectedClasses(img);
        Assert.True(expected.Distinct().Count() == 4, "the test image should produce every class");
        using var plain = new OnnxLabelSource(Asset("tiny_segmenter.onnx"));
        var got = plain.GetLabels(View("a", img))!;
        Assert.Equal(new long[] { 9, 13 }, got.shape);
        Assert.Equal(expected, got.reshape(-1).data<long>().ToArray());

        int[] map = { 0, 5, 3, 7 };
        using var mapped = new OnnxLabelSource(Asset("tiny_segmenter.onnx"), new OnnxLabelOptions { ClassMap = map });
        Assert.Equal(expected.Select(k => (long)map[k]).ToArray(), mapped.GetLabels(View("a", img))!.reshape(-1).data<long>().ToArray());

        using var shortMap = new OnnxLabelSource(Asset("tiny_segmenter.onnx"), new OnnxLabelOptions { ClassMap = new[] { 0, 1 } });
        var e = Assert.Throws<InvalidDataException>(() => shortMap.GetLabels(View("a", img)));
        Assert.Contains("4 classes", e.Message);
        Assert.Null(plain.GetLabels(View("a", img) with { Image = null }));
    }

    [Fact]
    public void Segmenter_AtAnotherInputSize_IsResizedBackToTheView()
    {
        using var scope = NewDisposeScope();
        var img = Image(10, 12, 8);
        using var src = new OnnxLabelSource(Asset("tiny_segmenter.onnx"), new OnnxLabelOptions { InputSize = (5, 6) });
        var got = src.GetLabels(View("b", img))!;
        var small = F.interpolate(img.permute(2, 0, 1).unsqueeze(0), new long[] { 5, 6 }, mode: InterpolationMode.Bilinear, align_corners: false);
        var logits = cat(new[] { full(1, 1, 5, 6, 0.5f), 2 * small }, 1);
        var expected = F.interpolate(logits, new long[] { 10, 12 }, mode: InterpolationMode.Bilinear, align_corners: false).argmax(1).squeeze(0);
        Assert.Equal(expected.data<long>().ToArray(), got.data<long>().ToArray());
    }

    [Fact]
    public void ModelSpec_BuildsEachKind_AndRejectsUnknownOnes()
    {
        using (var fx = (IDisposable)ModelSpec.CreateFeatureExtractor("onnx:" + Asset("tiny_backbone.onnx"))) Assert.IsType<OnnxFeatureExtractor>(fx);
        Assert.IsType<BuiltinFeatureExtractor>(ModelSpec.CreateFeatureExtractor("builtin"));
        using (var ts = (IDisposable)ModelSpec.CreateFeatureExtractor("torchscript:" + Asset("tiny_features.pt"))) Assert.IsType<TorchScriptFeatureExtractor>(ts);
        using (var l = (IDisposable)ModelSpec.CreateLabelSource("onnx:" + Asset("tiny_segmenter.onnx"))) Assert.IsType<OnnxLabelSource>(l);
        string sam = $"sam:{Asset("fake_sam_encoder.onnx")},{Asset("fake_sam_decoder.onnx")}";
        using (var s = (IDisposable)ModelSpec.CreateLabelSource(sam)) Assert.IsType<SamMaskGenerator>(s);
        Assert.True(ModelSpec.IsInstanceLabelSpec(sam));
        Assert.False(ModelSpec.IsInstanceLabelSpec("onnx:x.onnx"));
        using var tmp = new TempDir();
        Assert.IsType<PngFolderLabelSource>(ModelSpec.CreateLabelSource(tmp.Path));
        Assert.Contains("builtin", Assert.Throws<ArgumentException>(() => ModelSpec.CreateFeatureExtractor("dino:x.onnx")).Message);
        Assert.Contains("two files", Assert.Throws<ArgumentException>(() => ModelSpec.CreateLabelSource("sam:" + Asset("fake_sam_encoder.onnx"))).Message);
        Assert.Throws<ArgumentException>(() => ModelSpec.CreateLabelSource("onnx:"));
        Assert.Throws<DirectoryNotFoundException>(() => ModelSpec.CreateLabelSource(tmp.File("nowhere")));
    }

    /// <summary>
    /// The committed .onnx files are what the committed script makes (regenerated with Debian's python3-onnx when it is
    /// installed; the tests themselves only need the committed files).
    /// </summary>
    [SkippableFact]
    public void CommittedAssets_AreWhatTheScriptMakes()
    {
        const string python = "/usr/bin/python3";
        Skip.IfNot(File.Exists(python), "no /usr/bin/python3");
        var probe = ChildRun(python, "-c \"import onnx\"", AppContext.BaseDirectory);
        Skip.If(probe != 0, "python3-onnx is not installed (apt-get install python3-onnx)");
        using var tmp = new TempDir();
        string script = Path.Combine(Cli.CliRunner.RepoRoot, "tests", "CoSeg.Core.Tests", "Assets", "make_onnx_assets.py");
        Assert.Equal(0, ChildRun(python, $"\"{script}\"", tmp.Path));
        foreach (var name in new[] { "tiny_backbone.onnx", "tiny_vit.onnx", "tiny_segmenter.onnx", "fake_sam_encoder.onnx", "fake_sam_decoder.onnx" })
            Assert.True(File.ReadAllBytes(tmp.File(name)).AsSpan().SequenceEqual(File.ReadAllBytes(Asset(name))), $"{name} differs from what make_onnx_assets.py makes; rerun it in tests/CoSeg.Core.Tests/Assets");
    }

    private static int ChildRun(string exe, string args, string dir)
    {
        using var p = Process.Start(new ProcessStartInfo(exe, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true })!;
        p.StandardOutput.ReadToEnd(); p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }
}
