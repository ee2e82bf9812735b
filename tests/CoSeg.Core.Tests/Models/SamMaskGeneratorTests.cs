using CoSeg.Geometry;
using CoSeg.Models;
using CoSeg.Segmentation;
using static TorchSharp.torch;

namespace CoSeg.Tests.Models;

/// <summary>
/// The automatic mask generator against the fake SAM pair of Assets/make_onnx_assets.py, whose decoder returns discs
/// around the centre of the 16-pixel cell under each prompt (token 1: d² &lt; 20, IoU 0.95; token 2: d² &lt; 60, IoU 0.90;
/// token 3: soft d² &lt; 50, IoU 0.97, unstable; token 0: the whole image, IoU 0.99), IoUs halved over dark cells. On a
/// 64×48 checkerboard of 16-pixel cells every expected mask, count and id is known exactly.
/// </summary>
public sealed class SamMaskGeneratorTests
{
    private const int W = 64, H = 48, Cell = 16;
    private static readonly string Encoder = OnnxModelTests.Asset("fake_sam_encoder.onnx"), Decoder = OnnxModelTests.Asset("fake_sam_decoder.onnx");

    private static bool Bright(int cx, int cy) => (cx + cy) % 2 == 0;

    /// <summary>White cells where <see cref="Bright"/>, black elsewhere.</summary>
    private static Tensor Checkerboard()
    {
        var px = new float[H * W * 3];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if (Bright(x / Cell, y / Cell)) for (int c = 0; c < 3; c++) px[(y * W + x) * 3 + c] = 1f;
        return tensor(px, new long[] { H, W, 3 });
    }

    /// <summary>The bright cells in row-major order.</summary>
    private static readonly (int Cx, int Cy)[] BrightCells =
        Enumerable.Range(0, (W / Cell) * (H / Cell)).Select(i => (i % (W / Cell), i / (W / Cell))).Where(c => Bright(c.Item1, c.Item2)).ToArray();

    /// <summary>Squared distance of pixel (x, y)'s centre to the centre of cell (cx, cy).</summary>
    private static double D2(int x, int y, int cx, int cy)
    {
        double dx = x + 0.5 - (cx + 0.5) * Cell, dy = y + 0.5 - (cy + 0.5) * Cell;
        return dx * dx + dy * dy;
    }

    private static bool[] Disc(int cx, int cy, double r2) =>
        Enumerable.Range(0, W * H).Select(p => D2(p % W, p / W, cx, cy) < r2).ToArray();

    private static SamMaskGeneratorOptions Options => new() { PointsPerSide = 8, PointsPerBatch = 5 };

    private static SegmentationView View(string name, Tensor image) =>
        new(name, new Camera(W, H, 50, 50, W / 2.0, H / 2.0, new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, new double[] { 0, 0, 0 }, name), image);

    [Fact]
    public void Defaults_KeepTheTwoSharpConfidentDiscsOfEveryBrightCell_OnePerDuplicateGroup()
    {
        using var gen = new SamMaskGenerator(Encoder, Decoder, Options);
        using var img = Checkerboard();
        var masks = gen.GenerateMasks(img);
        Assert.Equal(1, gen.EncoderRuns);
        Assert.Equal(13, gen.DecoderRuns);            // 64 prompts in batches of 5
        Assert.Equal(2 * BrightCells.Length, masks.Count);
        // Order: the larger discs (d² < 60, IoU 0.90) by cell, then the smaller ones (d² < 20, IoU 0.95).
        for (int i = 0; i < masks.Count; i++)
        {
            var (cx, cy) = BrightCells[i % BrightCells.Length];
            bool large = i < BrightCells.Length;
            var m = masks[i];
            Assert.Equal(Disc(cx, cy, large ? 60 : 20), m.Mask);
            Assert.Equal(large ? 0.90 : 0.95, m.PredictedIoU, 6);
            Assert.Equal(1.0, m.StabilityScore);
            Assert.Equal(m.Mask.LongCount(b => b), m.Area);
            int half = large ? 8 : 4;
            Assert.Equal(new PixelBox(cx * Cell + 8 - half, cy * Cell + 8 - half, cx * Cell + 8 + half, cy * Cell + 8 + half), m.Box);
            // NMS keeps the first prompt of the cell: grid points are x = 4, 12, …; y = 3, 9, 15, … (row-major).
            double px = Enumerable.Range(0, 8).Select(k => (k + 0.5) * 8).First(v => (int)(v / Cell) == cx);
            double py = Enumerable.Range(0, 8).Select(k => (k + 0.5) * 6).First(v => (int)(v / Cell) == cy);
            Assert.Equal((px, py), m.Point);
            Assert.Equal(new PixelBox(0, 0, W, H), m.CropBox);
        }
        Assert.Equal(60, masks[^1].Area);
    }

    [Fact]
    public void IdMap_SmallerMasksWinOverlaps_IdsNumberedByDescendingArea()
    {
        using var gen = new SamMaskGenerator(Encoder, Decoder, Options);
        using var img = Checkerboard();
        using var map = gen.GetLabels(View("v", img))!;
        Assert.Equal(new long[] { H, W }, map.shape);
        var got = map.reshape(-1).data<long>().ToArray();
        var expected = new long[W * H];
        for (int p = 0; p < expected.Length; p++)
        {
            int x = p % W, y = p / W, rank = Array.IndexOf(BrightCells, (x / Cell, y / Cell));
            if (rank < 0) continue;
            double d2 = D2(x, y, x / Cell, y / Cell);
            expected[p] = d2 < 20 ? BrightCells.Length + 1 + rank : d2 < 60 ? 1 + rank : 0;
        }
        Assert.Equal(expected, got);
    }

    [Fact]
    public void WithoutNms_EveryPromptOfABrightCellKeepsItsTwoDiscs()
    {
        using var gen = new SamMaskGenerator(Encoder, Decoder, Options with { BoxNmsThreshold = 1.0 });
        using var img = Checkerboard();
        // Prompts per bright cell: 2 columns × (3, 2 or 3 rows); the three rows of cells have 2 bright cells each.
        Assert.Equal(2 * (2 * 6 + 2 * 4 + 2 * 6), gen.GenerateMasks(img).Count);
    }

    [Fact]
    public void IouThreshold_FiltersTheDarkCells_AndTheSingleMaskTokenIsIgnoredUnlessAsked()
    {
        using var img = Checkerboard();
        using (var low = new SamMaskGenerator(Encoder, Decoder, Options with { PredIouThreshold = 0.4 }))
        {
            var masks = low.GenerateMasks(img);
            Assert.Equal(2 * 12, masks.Count); // dark cells too: IoUs 0.475 and 0.45
            Assert.Equal(6 * 2, masks.Count(m => m.PredictedIoU < 0.5));
        }
        using var all = new SamMaskGenerator(Encoder, Decoder, Options with { UseAllDecoderMasks = true });
        var withWhole = all.GenerateMasks(img);
        Assert.Equal(2 * 6 + 1, withWhole.Count);   // the whole-image masks are duplicates of each other: one survives
        Assert.Equal(W * H, withWhole[0].Area);
        Assert.Equal(0.99, withWhole[0].PredictedIoU, 6);
        using var map = SamMaskGenerator.ToInstanceMap(withWhole, H, W);
        Assert.Equal(1L, map.min().item<long>()); // the whole image is id 1 under the discs
    }

    [Fact]
    public void StabilityFilter_RemovesTheSoftDisc_ThatOtherwiseWinsTheNmsAgainstTheLargeDisc()
    {
        using var img = Checkerboard();
        using var gen = new SamMaskGenerator(Encoder, Decoder, Options with { StabilityScoreThreshold = 0 });
        var masks = gen.GenerateMasks(img);
        Assert.Equal(2 * 6, masks.Count);
        // The soft disc (d² < 50, box 14 px) overlaps the d² < 60 disc (16 px) with box IoU 196/256 > 0.7 and has the
        // higher IoU prediction (0.97 > 0.90): it replaces it.
        for (int i = 0; i < 6; i++)
        {
            var (cx, cy) = BrightCells[i];
            Assert.Equal(Disc(cx, cy, 50), masks[i].Mask);
            Assert.Equal(0.97, masks[i].PredictedIoU, 6);
            double inner = Disc(cx, cy, 40).Count(b => b), outer = Disc(cx, cy, 60).Count(b => b);
            Assert.Equal(inner / outer, masks[i].StabilityScore, 12);
            Assert.True(masks[i].StabilityScore < 0.95);
        }
    }

    [Fact]
    public void Embeddings_AreCachedByViewName_AndTheCacheIsBounded()
    {
        using var img = Checkerboard();
        using var gen = new SamMaskGenerator(Encoder, Decoder, Options with { EmbeddingCacheSize = 1 });
        gen.GetLabels(View("a", img))!.Dispose();
        gen.GetLabels(View("a", img))!.Dispose();
        Assert.Equal(1, gen.EncoderRuns);
        gen.GetLabels(View("b", img))!.Dispose();
        gen.GetLabels(View("a", img))!.Dispose(); // "b" pushed "a" out
        Assert.Equal(3, gen.EncoderRuns);
        gen.GenerateMasks(img);                  // no key: not cached
        gen.GenerateMasks(img);
        Assert.Equal(5, gen.EncoderRuns);
        Assert.Null(gen.GetLabels(View("a", img) with { Image = null }));
    }

    [Fact]
    public void CropLayers_EncodeEveryCrop_AndDropMasksCutByAnInnerCropEdge()
    {
        Assert.Equal(new[] { new PixelBox(0, 0, 64, 48), new PixelBox(0, 0, 43, 35), new PixelBox(0, 14, 43, 48), new PixelBox(22, 0, 64, 35), new PixelBox(22, 14, 64, 48) },
                     MaskOps.CropBoxes(W, H, 1, 512.0 / 1500.0).Select(c => c.Box).ToArray());
        using var img = Checkerboard();
        using var gen = new SamMaskGenerator(Encoder, Decoder, Options with { CropLayers = 1, CropEdgeTolerance = 2 });
        var masks = gen.GenerateMasks(img);
        Assert.Equal(5, gen.EncoderRuns);
        var whole = new PixelBox(0, 0, W, H);
        Assert.Contains(masks, m => m.CropBox == whole);
        Assert.Contains(masks, m => m.CropBox != whole);
        foreach (var m in masks.Where(m => m.CropBox != whole))
            Assert.False(MaskOps.NearCropEdge(m.Box, m.CropBox, W, H, 2), $"mask {m.Box} touches an inner edge of crop {m.CropBox}");
        var boxes = masks.Select(m => m.Box).ToList();
        for (int i = 0; i < boxes.Count; i++)
            for (int j = i + 1; j < boxes.Count; j++)
                Assert.True(boxes[i].IoU(boxes[j]) <= 0.7, $"{boxes[i]} and {boxes[j]} survived both suppressions");
    }

    [Fact]
    public void MinRegionArea_RunsTheCleanupAndKeepsTheDiscs()
    {
        // Discs have no holes or islands: the cleanup changes nothing and every mask stays.
        using var img = Checkerboard();
        using var gen = new SamMaskGenerator(Encoder, Decoder, Options with { MinMaskRegionArea = 100 });
        var masks = gen.GenerateMasks(img);
        Assert.Equal(12, masks.Count);
        Assert.Equal(Disc(BrightCells[0].Cx, BrightCells[0].Cy, 20), masks[6].Mask); // the 60-pixel disc is its own (largest) island
    }

    [Fact]
    public void RemoveSmallRegions_FillsSmallHoles_ThenDropsSmallIslands_KeepingTheLargestIfAllAreSmall()
    {
        const int w = 10;
        var mask = new bool[w * 8];
        for (int y = 1; y <= 5; y++) for (int x = 1; x <= 5; x++) mask[y * w + x] = true;
        mask[3 * w + 3] = false;                       // a 1-pixel hole
        mask[6 * w + 8] = mask[7 * w + 8] = true;       // a 2-pixel island
        var expected = new bool[w * 8];
        for (int y = 1; y <= 5; y++) for (int x = 1; x <= 5; x++) expected[y * w + x] = true;
        Assert.True(MaskOps.RemoveSmallRegions(mask, w, 3));
        Assert.Equal(expected, mask);
        Assert.False(MaskOps.RemoveSmallRegions(mask, w, 3));
        var islands = new bool[w * 8];
        islands[0] = islands[1] = true; islands[5 * w + 5] = true;
        Assert.True(MaskOps.RemoveSmallRegions(islands, w, 10));
        Assert.Equal(2, islands.Count(b => b));
        Assert.True(islands[0] && islands[1]);
    }

    [Fact]
    public void Nms_VisitsByScore_AndSuppressesAboveTheThreshold()
    {
        var boxes = new[] { new PixelBox(0, 0, 10, 10), new PixelBox(1, 0, 11, 10), new PixelBox(20, 20, 30, 30), new PixelBox(0, 0, 10, 5) };
        // IoU(0,1) = 90/110 = 0.818; IoU(0,3) = 0.5
        Assert.Equal(new[] { 1, 2, 3 }, MaskOps.Nms(boxes, new[] { 0.5, 0.9, 0.7, 0.6 }, 0.7));
        Assert.Equal(new[] { 1, 2, 3, 0 }, MaskOps.Nms(boxes, new[] { 0.5, 0.9, 0.7, 0.6 }, 0.85));
        Assert.Equal(new[] { 0, 2 }, MaskOps.Nms(boxes, new[] { 0.9, 0.9, 0.9, 0.9 }, 0.4));
    }

    [Fact]
    public void ModelsOfAnotherLayout_AreNamedInTheError()
    {
        var e = Assert.Throws<InvalidDataException>(() => new SamMaskGenerator(Encoder, OnnxModelTests.Asset("tiny_segmenter.onnx")));
        foreach (var name in new[] { "'image_embeddings'", "'point_coords'", "'point_labels'", "'orig_im_size'", "'masks'", "'iou_predictions'", "tiny_segmenter.onnx" })
            Assert.Contains(name, e.Message);
        var swapped = Assert.Throws<InvalidDataException>(() => new SamMaskGenerator(Decoder, Encoder));
        Assert.Contains("6 inputs", swapped.Message);
        // An encoder whose embeddings the decoder does not take.
        using var wrong = new SamMaskGenerator(OnnxModelTests.Asset("tiny_backbone.onnx"), Decoder, Options with { EncoderInputSize = 32 });
        using var img = Checkerboard();
        var mismatch = Assert.Throws<InvalidDataException>(() => wrong.GenerateMasks(img));
        Assert.Contains("[1,8,16,16]", mismatch.Message);
        Assert.Contains("[1,1,16,16]", mismatch.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SamMaskGenerator(Encoder, Decoder, Options with { PredIouThreshold = 1.5 }));
    }

    [Fact]
    public void Cancellation_StopsGeneration()
    {
        using var gen = new SamMaskGenerator(Encoder, Decoder, Options);
        using var img = Checkerboard();
        using var cts = new CancellationTokenSource();
        var reports = new List<double>();
        var progress = new SyncProgress(p => { reports.Add(p); if (reports.Count == 3) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => gen.GenerateMasks(img, null, progress, cts.Token));
        Assert.Equal(3, reports.Count);
        Assert.Equal(new[] { 5 / 64.0, 10 / 64.0, 15 / 64.0 }, reports);
    }

    private sealed class SyncProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
