using CoSeg.Features;
using CoSeg.Segmentation;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoSeg.Models;

/// <summary>
/// Options of <see cref="SamMaskGenerator"/>. The defaults are those of SAM's automatic mask generator (chosen there
/// for ViT-H); smaller models (MobileSAM, EfficientSAM) often need a lower <see cref="PredIouThreshold"/>.
/// </summary>
public sealed record SamMaskGeneratorOptions
{
    /// <summary>Points per side of the prompt grid on the whole image (32 → 1024 prompts).</summary>
    public int PointsPerSide { get; init; } = 32;
    /// <summary>Prompts per decoder call when the decoder accepts a batch of prompts (a dynamic first dimension of point_coords); otherwise one.</summary>
    public int PointsPerBatch { get; init; } = 64;
    /// <summary>Keep masks whose predicted IoU is above this (0 = no filter).</summary>
    public double PredIouThreshold { get; init; } = 0.88;
    /// <summary>Keep masks whose stability score is at least this (0 = no filter).</summary>
    public double StabilityScoreThreshold { get; init; } = 0.95;
    /// <summary>Logit offset of the stability score: #(logit &gt; t + offset) / #(logit &gt; t − offset).</summary>
    public double StabilityScoreOffset { get; init; } = 1.0;
    /// <summary>Logit threshold t that binarises the decoder's masks (SAM: 0).</summary>
    public double MaskThreshold { get; init; }
    /// <summary>Box IoU above which the lower-scoring of two masks of one crop is removed (non-maximum suppression).</summary>
    public double BoxNmsThreshold { get; init; } = 0.7;
    /// <summary>Crop layers: layer i runs the generator again on 2^i × 2^i overlapping crops (0 = whole image only).</summary>
    public int CropLayers { get; init; }
    /// <summary>Box IoU threshold of the suppression across crops (masks of smaller crops win).</summary>
    public double CropNmsThreshold { get; init; } = 0.7;
    /// <summary>Overlap of neighbouring crops as a fraction of the image's long side (layer 1; halved per further layer).</summary>
    public double CropOverlapRatio { get; init; } = 512.0 / 1500.0;
    /// <summary>Points per side in layer i are <see cref="PointsPerSide"/> / factor^i.</summary>
    public int CropPointsDownscaleFactor { get; init; } = 1;
    /// <summary>Masks of a crop whose box is within this many pixels of an inner crop edge are dropped (they are cut off).</summary>
    public double CropEdgeTolerance { get; init; } = 20;
    /// <summary>When &gt; 0, holes and islands smaller than this many pixels are removed from each mask, then duplicates are suppressed again.</summary>
    public int MinMaskRegionArea { get; init; }

    /// <summary>
    /// The encoder's square input side (SAM: 1024). Taken from the encoder's declared input shape when it is fixed;
    /// this value is used only for a dynamic one.
    /// </summary>
    public int EncoderInputSize { get; init; } = 1024;
    /// <summary>Per-channel mean subtracted from the [0, 1] RGB before an NCHW encoder (SAM's pixel mean / 255).</summary>
    public float[]? Mean { get; init; } = { 123.675f / 255f, 116.28f / 255f, 103.53f / 255f };
    /// <summary>Per-channel standard deviation (SAM's pixel std / 255).</summary>
    public float[]? Std { get; init; } = { 58.395f / 255f, 57.12f / 255f, 57.375f / 255f };
    /// <summary>The encoder output holding the image embeddings (null = its first output).</summary>
    public string? EncoderOutputName { get; init; }
    /// <summary>
    /// SAM's decoder export returns 4 masks per prompt when it is not exported with <c>--return-single-mask</c>: the
    /// first is the single-mask output, the other three the multimask outputs that the automatic generator uses. With
    /// false (default) the first of 4 is ignored; with true every returned mask is a candidate.
    /// </summary>
    public bool UseAllDecoderMasks { get; init; }
    /// <summary>Add SAM's padding point (0, 0) with label −1 to every prompt, as an ONNX decoder without a box prompt expects.</summary>
    public bool AddPaddingPoint { get; init; } = true;
    /// <summary>Views whose embeddings are kept (least recently used dropped first; 0 = no cache).</summary>
    public int EmbeddingCacheSize { get; init; } = 8;
    /// <summary>ONNX Runtime settings of both models (threads, execution provider).</summary>
    public OnnxSessionOptions Session { get; init; } = new();

    internal void Validate()
    {
        if (PointsPerSide < 1) throw new ArgumentOutOfRangeException(nameof(PointsPerSide), $"PointsPerSide must be ≥ 1, got {PointsPerSide}.");
        if (PointsPerBatch < 1) throw new ArgumentOutOfRangeException(nameof(PointsPerBatch), $"PointsPerBatch must be ≥ 1, got {PointsPerBatch}.");
        foreach (var (name, v) in new[] { (nameof(PredIouThreshold), PredIouThreshold), (nameof(StabilityScoreThreshold), StabilityScoreThreshold),
                                          (nameof(BoxNmsThreshold), BoxNmsThreshold), (nameof(CropNmsThreshold), CropNmsThreshold) })
            if (!(v >= 0 && v <= 1)) throw new ArgumentOutOfRangeException(name, $"{name} must be in [0, 1], got {v}.");
        if (!(StabilityScoreOffset >= 0)) throw new ArgumentOutOfRangeException(nameof(StabilityScoreOffset), "StabilityScoreOffset must be ≥ 0.");
        if (!double.IsFinite(MaskThreshold)) throw new ArgumentOutOfRangeException(nameof(MaskThreshold), "MaskThreshold must be finite.");
        if (CropLayers is < 0 or > 4) throw new ArgumentOutOfRangeException(nameof(CropLayers), $"CropLayers must be in 0..4, got {CropLayers}.");
        if (!(CropOverlapRatio >= 0 && CropOverlapRatio < 1)) throw new ArgumentOutOfRangeException(nameof(CropOverlapRatio), "CropOverlapRatio must be in [0, 1).");
        if (CropPointsDownscaleFactor < 1) throw new ArgumentOutOfRangeException(nameof(CropPointsDownscaleFactor), "CropPointsDownscaleFactor must be ≥ 1.");
        if (!(CropEdgeTolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(CropEdgeTolerance), "CropEdgeTolerance must be ≥ 0.");
        if (MinMaskRegionArea < 0) throw new ArgumentOutOfRangeException(nameof(MinMaskRegionArea), "MinMaskRegionArea must be ≥ 0.");
        if (EncoderInputSize < 1) throw new ArgumentOutOfRangeException(nameof(EncoderInputSize), "EncoderInputSize must be ≥ 1.");
        if (EmbeddingCacheSize < 0) throw new ArgumentOutOfRangeException(nameof(EmbeddingCacheSize), "EmbeddingCacheSize must be ≥ 0.");
        OnnxImage.CheckNormalisation(Mean, Std, nameof(Mean));
        Session.Validate();
    }
}

/// <summary>One mask of <see cref="SamMaskGenerator.GenerateMasks"/>, in the pixels of the whole image.</summary>
public sealed class SamMask
{
    internal SamMask(bool[] mask, int width, int height, PixelBox box, long area, double iou, double stability, (double X, double Y) point, PixelBox crop)
    {
        Mask = mask; Width = width; Height = height; Box = box; Area = area; PredictedIoU = iou; StabilityScore = stability; Point = point; CropBox = crop;
    }

    /// <summary>Row-major Height×Width mask of the image.</summary>
    public bool[] Mask { get; }
    /// <summary>Image width.</summary>
    public int Width { get; }
    /// <summary>Image height.</summary>
    public int Height { get; }
    /// <summary>Bounding box of the set pixels.</summary>
    public PixelBox Box { get; }
    /// <summary>Number of set pixels.</summary>
    public long Area { get; }
    /// <summary>The decoder's predicted IoU.</summary>
    public double PredictedIoU { get; }
    /// <summary>Stability score of the mask logits.</summary>
    public double StabilityScore { get; }
    /// <summary>The prompt point (image pixels, x right, y down) that produced the mask.</summary>
    public (double X, double Y) Point { get; }
    /// <summary>The crop the mask was found in (the whole image for layer 0).</summary>
    public PixelBox CropBox { get; }
}

/// <summary>
/// Zero-shot instance labels by SAM-style automatic mask generation over an ONNX encoder + prompt decoder pair (SAM,
/// MobileSAM, EfficientSAM exported in SAM's ONNX layout, docs/models.md): a grid of single-point prompts (in batches
/// when the decoder takes them), masks filtered by predicted IoU and stability score, box non-maximum suppression,
/// optional crop layers and small-region removal, then one non-overlapping instance-id map per view.
/// <para>
/// Id map: masks are painted by descending area (ties: higher predicted IoU, then top-to-bottom, left-to-right of the
/// box), so where masks overlap the smaller one wins and nested parts stay visible; ids are then numbered 1, 2, … in
/// that order over the masks left with at least one pixel (id 1 = the largest), 0 = no mask. Use it with
/// <see cref="LabelMode.Instance"/>: ids are per view.
/// </para>
/// <para>
/// Each view's image embeddings are cached by view name and image size (bounded, least recently used dropped). Not
/// thread-safe.
/// </para>
/// </summary>
public sealed class SamMaskGenerator : ILabelSource, IDisposable
{
    private static readonly string[] DecoderInputs = { "image_embeddings", "point_coords", "point_labels", "orig_im_size" };
    private static readonly string[] DecoderOutputs = { "masks", "iou_predictions" };
    private const string DecoderLayout = "SAM's decoder export: inputs image_embeddings, point_coords, point_labels, [mask_input, has_mask_input,] orig_im_size; outputs masks, iou_predictions";

    private readonly OnnxModel _encoder, _decoder;
    private readonly SamMaskGeneratorOptions _o;
    private readonly string _encoderInput, _encoderOutput;
    private readonly bool _encoderHwc, _batchPrompts;
    private readonly int _encoderSize;
    private readonly Dictionary<string, LinkedListNode<(string Key, HostTensor?[] Crops)>> _cache = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, HostTensor?[] Crops)> _lru = new();

    /// <summary>
    /// Loads the encoder and decoder; throws <see cref="InvalidDataException"/> when a file is not ONNX or the models
    /// do not have SAM's layout (the message names the missing inputs/outputs).
    /// </summary>
    public SamMaskGenerator(string encoderPath, string decoderPath, SamMaskGeneratorOptions? options = null)
    {
        _o = options ?? new SamMaskGeneratorOptions();
        _o.Validate();
        _encoder = OnnxModel.Load(encoderPath, "SAM encoder", _o.Session);
        try
        {
            _decoder = OnnxModel.Load(decoderPath, "SAM decoder", _o.Session);
        }
        catch { _encoder.Dispose(); throw; }
        try
        {
            _encoderInput = _encoder.ResolveInput(null, "the encoder's image input");
            _encoderOutput = _encoder.ResolveOutput(_o.EncoderOutputName, nameof(SamMaskGeneratorOptions.EncoderOutputName));
            _encoder.RequireFloat(_encoderInput, input: true);
            _encoder.RequireFloat(_encoderOutput, input: false);
            var dims = _encoder.InputDims(_encoderInput);
            if (dims.Length == 4 && dims[1] is 3 or -1)
            {
                _encoderSize = dims[2] > 0 && dims[3] > 0 ? Math.Max(dims[2], dims[3]) : _o.EncoderInputSize;
                if (dims[2] > 0 && dims[3] > 0 && dims[2] != dims[3])
                    throw new InvalidDataException($"SAM encoder '{encoderPath}': input '{_encoderInput}' is {OnnxModel.FormatShape(dims.Select(d => (long)d).ToArray())}; expected a square [1,3,S,S] input.");
            }
            else if (dims.Length == 3 && dims[2] is 3 or -1) { _encoderHwc = true; _encoderSize = _o.EncoderInputSize; }
            else
                throw new InvalidDataException($"SAM encoder '{encoderPath}': input '{_encoderInput}' is {OnnxModel.FormatShape(dims.Select(d => (long)d).ToArray())}; expected a normalised, padded [1,3,S,S] image or an H×W×3 image in pixel units.");

            _decoder.Require(DecoderInputs, DecoderOutputs, DecoderLayout);
            foreach (var n in _decoder.InputNames) _decoder.RequireFloat(n, input: true);
            foreach (var n in DecoderOutputs) _decoder.RequireFloat(n, input: false);
            var pc = _decoder.InputDims("point_coords");
            if (pc.Length != 3 || pc[2] is not (2 or -1) || pc[1] is not (-1 or 1 or 2))
                throw new InvalidDataException($"SAM decoder '{decoderPath}': input 'point_coords' is {OnnxModel.FormatShape(pc.Select(d => (long)d).ToArray())}; expected [B,N,2].");
            if (pc[1] == 1 && _o.AddPaddingPoint)
                throw new InvalidDataException($"SAM decoder '{decoderPath}' takes exactly one point per prompt; set AddPaddingPoint = false.");
            if (pc[0] > 1)
                throw new InvalidDataException($"SAM decoder '{decoderPath}': input 'point_coords' has a fixed batch of {pc[0]}; expected 1 or dynamic.");
            _batchPrompts = pc[0] < 0;
        }
        catch { Dispose(); throw; }
    }

    /// <summary>Encoder runs so far (one per view and crop, unless the embeddings were cached).</summary>
    public int EncoderRuns { get; private set; }
    /// <summary>Decoder runs so far.</summary>
    public int DecoderRuns { get; private set; }

    /// <inheritdoc />
    public Tensor? GetLabels(SegmentationView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (view.Image is null) return null;
        var masks = GenerateMasks(view.Image, view.Name);
        return ToInstanceMap(masks, (int)view.Image.shape[0], (int)view.Image.shape[1]);
    }

    /// <summary>
    /// The masks of <paramref name="image"/> (H×W×3 float RGB in [0, 1]), in the order of the id map (see the class
    /// remarks). <paramref name="cacheKey"/> (e.g. the view name) keys the embedding cache; null = not cached.
    /// </summary>
    public IReadOnlyList<SamMask> GenerateMasks(Tensor image, string? cacheKey = null, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        ImageChecks.ToBatch(image, nameof(image)).Dispose();
        int height = (int)image.shape[0], width = (int)image.shape[1];
        var crops = MaskOps.CropBoxes(width, height, _o.CropLayers, _o.CropOverlapRatio);
        var embeddings = CacheEntry(cacheKey is null ? null : $"{cacheKey}|{height}x{width}", crops.Count);
        long totalPrompts = crops.Sum(c => (long)Math.Pow(PointsPerSide(c.Layer), 2)), donePrompts = 0;

        var all = new List<Candidate>();
        for (int ci = 0; ci < crops.Count; ci++)
        {
            ct.ThrowIfCancellationRequested();
            var (crop, layer) = crops[ci];
            int cw = crop.X1 - crop.X0, ch = crop.Y1 - crop.Y0;
            var emb = embeddings[ci] ??= Encode(image, crop);
            int n = PointsPerSide(layer);
            var points = new List<(double X, double Y)>(n * n);
            for (int j = 0; j < n; j++)
                for (int i = 0; i < n; i++)
                    points.Add(((i + 0.5) / n * cw, (j + 0.5) / n * ch));
            var cropCandidates = new List<Candidate>();
            int batch = _batchPrompts ? _o.PointsPerBatch : 1;
            for (int start = 0; start < points.Count; start += batch)
            {
                ct.ThrowIfCancellationRequested();
                var chunk = points.GetRange(start, Math.Min(batch, points.Count - start));
                Decode(emb, chunk, crop, ci, width, height, cropCandidates);
                donePrompts += chunk.Count;
                progress?.Report(donePrompts / (double)totalPrompts);
            }
            var keep = MaskOps.Nms(cropCandidates.Select(c => c.Box).ToList(), cropCandidates.Select(c => c.IoU).ToList(), _o.BoxNmsThreshold);
            all.AddRange(keep.Select(k => cropCandidates[k]));
        }
        if (crops.Count > 1)
        {
            var keep = MaskOps.Nms(all.Select(c => c.Box).ToList(), all.Select(c => 1.0 / Math.Max(1, crops[c.Crop].Box.Area)).ToList(), _o.CropNmsThreshold);
            all = keep.Select(k => all[k]).ToList();
        }

        var masks = all.Select(c => Uncrop(c, crops[c.Crop].Box, width, height)).ToList();
        if (_o.MinMaskRegionArea > 0)
        {
            var changed = new List<bool>(masks.Count);
            var cleaned = new List<SamMask>(masks.Count);
            foreach (var m in masks)
            {
                ct.ThrowIfCancellationRequested();
                var bits = (bool[])m.Mask.Clone();
                bool ch = MaskOps.RemoveSmallRegions(bits, width, _o.MinMaskRegionArea);
                var box = MaskOps.Box(bits, width);
                if (box is null) continue;
                cleaned.Add(ch ? new SamMask(bits, width, height, box.Value, bits.LongCount(b => b), m.PredictedIoU, m.StabilityScore, m.Point, m.CropBox) : m);
                changed.Add(ch);
            }
            // Unchanged masks win over cleaned ones that now duplicate them.
            var keep = MaskOps.Nms(cleaned.Select(c => c.Box).ToList(), changed.Select(c => c ? 0.0 : 1.0).ToList(), _o.BoxNmsThreshold);
            masks = keep.Select(k => cleaned[k]).ToList();
        }
        return PaintOrder(masks);
    }

    /// <summary>
    /// The non-overlapping H×W int64 instance-id map of <paramref name="masks"/> (see the class remarks for the order
    /// and the numbering; 0 = no mask).
    /// </summary>
    public static Tensor ToInstanceMap(IReadOnlyList<SamMask> masks, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"map size must be positive, got {height}×{width}.");
        var owner = new int[height * width];
        var ordered = PaintOrder(masks);
        for (int k = 0; k < ordered.Count; k++)
        {
            var m = ordered[k];
            if (m.Width != width || m.Height != height)
                throw new ArgumentException($"mask {k} is {m.Height}×{m.Width}, expected {height}×{width}.", nameof(masks));
            for (int p = 0; p < owner.Length; p++) if (m.Mask[p]) owner[p] = k + 1;
        }
        var ids = new long[ordered.Count + 1];
        foreach (int o in owner) if (o > 0) ids[o] = 1;
        long next = 0;
        for (int k = 1; k < ids.Length; k++) if (ids[k] != 0) ids[k] = ++next;
        var map = new long[owner.Length];
        for (int p = 0; p < owner.Length; p++) map[p] = ids[owner[p]];
        return tensor(map, new long[] { height, width }, ScalarType.Int64);
    }

    private static List<SamMask> PaintOrder(IReadOnlyList<SamMask> masks) =>
        masks.OrderByDescending(m => m.Area).ThenByDescending(m => m.PredictedIoU).ThenBy(m => m.Box.Y0).ThenBy(m => m.Box.X0).ToList();

    private int PointsPerSide(int layer) => Math.Max(1, _o.PointsPerSide / (int)Math.Pow(_o.CropPointsDownscaleFactor, layer));

    /// <summary>A mask that passed the filters, in its crop's pixels (box in image pixels).</summary>
    private sealed record Candidate(bool[] Mask, PixelBox Box, long Area, double IoU, double Stability, (double X, double Y) Point, int Crop);

    private HostTensor?[] CacheEntry(string? key, int crops)
    {
        if (key is null || _o.EmbeddingCacheSize == 0) return new HostTensor?[crops];
        if (_cache.TryGetValue(key, out var node))
        {
            _lru.Remove(node); _lru.AddFirst(node);
            return node.Value.Crops;
        }
        var entry = new HostTensor?[crops];
        _cache[key] = _lru.AddFirst((key, entry));
        while (_lru.Count > _o.EmbeddingCacheSize)
        {
            _cache.Remove(_lru.Last!.Value.Key);
            _lru.RemoveLast();
        }
        return entry;
    }

    /// <summary>Encoder-frame size of a crop: its long side scaled to the encoder's side (SAM's ResizeLongestSide).</summary>
    private (int H, int W) Resized(int h, int w)
    {
        double s = _encoderSize / (double)Math.Max(h, w);
        return ((int)Math.Floor(h * s + 0.5), (int)Math.Floor(w * s + 0.5));
    }

    private HostTensor Encode(Tensor image, PixelBox crop)
    {
        using var scope = NewDisposeScope();
        var cropped = image.narrow(0, crop.Y0, crop.Y1 - crop.Y0).narrow(1, crop.X0, crop.X1 - crop.X0);
        var size = Resized(crop.Y1 - crop.Y0, crop.X1 - crop.X0);
        HostTensor x;
        if (_encoderHwc)
        {
            // SAM's encoder export with its own preprocessing: the resized image in pixel units, H×W×3.
            var nchw = OnnxImage.ToNchw(cropped, nameof(image), size, null, null);
            var hwc = (tensor(nchw.Data, nchw.Shape, ScalarType.Float32).squeeze(0).permute(1, 2, 0) * 255f).contiguous();
            x = new HostTensor(hwc.data<float>().ToArray(), hwc.shape);
        }
        else
            x = OnnxImage.ToNchw(cropped, nameof(image), size, _o.Mean, _o.Std, (_encoderSize, _encoderSize));
        _encoder.CheckShape(_encoderInput, x.Shape, $"the encoder's input side is {_encoderSize} (EncoderInputSize)");
        var emb = _encoder.Run(new[] { (_encoderInput, x) }, new[] { _encoderOutput })[0];
        EncoderRuns++;
        var declared = _decoder.InputDims("image_embeddings");
        bool ok = declared.Length == emb.Shape.Length;
        for (int i = 0; ok && i < declared.Length; i++) ok = declared[i] < 0 || declared[i] == emb.Shape[i];
        if (!ok)
            throw new InvalidDataException(
                $"SAM encoder '{_encoder.Path}' output '{_encoderOutput}' is {emb.ShapeText} but decoder '{_decoder.Path}' input 'image_embeddings' is declared " +
                $"{OnnxModel.FormatShape(declared.Select(d => (long)d).ToArray())}: the two models do not belong together.");
        return emb;
    }

    private void Decode(HostTensor emb, List<(double X, double Y)> points, PixelBox crop, int cropIndex, int width, int height, List<Candidate> output)
    {
        int b = points.Count, cw = crop.X1 - crop.X0, ch = crop.Y1 - crop.Y0, np = _o.AddPaddingPoint ? 2 : 1;
        var (rh, rw) = Resized(ch, cw);
        double sx = rw / (double)cw, sy = rh / (double)ch;
        var coords = new float[b * np * 2];
        var labels = new float[b * np];
        for (int i = 0; i < b; i++)
        {
            coords[i * np * 2] = (float)(points[i].X * sx);
            coords[i * np * 2 + 1] = (float)(points[i].Y * sy);
            labels[i * np] = 1;
            if (np == 2) labels[i * np + 1] = -1;
        }
        var feeds = new List<(string, HostTensor)>
        {
            ("image_embeddings", emb),
            ("point_coords", new HostTensor(coords, new long[] { b, np, 2 })),
            ("point_labels", new HostTensor(labels, new long[] { b, np })),
            ("orig_im_size", new HostTensor(new float[] { ch, cw }, new long[] { 2 })),
        };
        if (_decoder.Inputs.ContainsKey("mask_input"))
        {
            var d = _decoder.InputDims("mask_input");
            long mh = d.Length == 4 && d[2] > 0 ? d[2] : 4 * emb.Shape[^2], mw = d.Length == 4 && d[3] > 0 ? d[3] : 4 * emb.Shape[^1];
            long mb = d.Length == 4 && d[0] > 0 ? d[0] : b;
            feeds.Add(("mask_input", new HostTensor(new float[mb * mh * mw], new long[] { mb, 1, mh, mw })));
        }
        if (_decoder.Inputs.ContainsKey("has_mask_input")) feeds.Add(("has_mask_input", new HostTensor(new float[1], new long[] { 1 })));
        foreach (var name in _decoder.InputNames)
            if (!feeds.Any(f => f.Item1 == name))
                throw new InvalidDataException($"SAM decoder '{_decoder.Path}' has an input '{name}' that SAM's layout does not have ({DecoderLayout}).");

        var outs = _decoder.Run(feeds, DecoderOutputs);
        DecoderRuns++;
        var (masks, ious) = (outs[0], outs[1]);
        if (masks.Shape.Length != 4 || masks.Shape[0] != b || masks.Shape[2] != ch || masks.Shape[3] != cw)
            throw new InvalidDataException($"SAM decoder '{_decoder.Path}': output 'masks' is {masks.ShapeText} for {b} prompt(s) on a {ch}×{cw} image; expected [{b},M,{ch},{cw}].");
        int m = (int)masks.Shape[1];
        if (ious.Data.Length != (long)b * m)
            throw new InvalidDataException($"SAM decoder '{_decoder.Path}': output 'iou_predictions' is {ious.ShapeText}; expected [{b},{m}].");
        int first = m == 4 && !_o.UseAllDecoderMasks ? 1 : 0;
        int pixels = ch * cw;
        float thr = (float)_o.MaskThreshold;
        for (int i = 0; i < b; i++)
            for (int k = first; k < m; k++)
            {
                double iou = ious.Data[i * m + k];
                if (_o.PredIouThreshold > 0 && !(iou > _o.PredIouThreshold)) continue;
                var logits = masks.Data.AsSpan((i * m + k) * pixels, pixels);
                double stability = MaskOps.StabilityScore(logits, thr, (float)_o.StabilityScoreOffset);
                if (_o.StabilityScoreThreshold > 0 && !(stability >= _o.StabilityScoreThreshold)) continue;
                var bits = new bool[pixels];
                long area = 0;
                for (int p = 0; p < pixels; p++) if (logits[p] > thr) { bits[p] = true; area++; }
                var local = MaskOps.Box(bits, cw);
                if (local is not { } lb) continue;
                var box = new PixelBox(lb.X0 + crop.X0, lb.Y0 + crop.Y0, lb.X1 + crop.X0, lb.Y1 + crop.Y0);
                bool wholeImage = crop.X0 == 0 && crop.Y0 == 0 && crop.X1 == width && crop.Y1 == height;
                if (!wholeImage && MaskOps.NearCropEdge(box, crop, width, height, _o.CropEdgeTolerance)) continue;
                output.Add(new Candidate(bits, box, area, iou, stability, (points[i].X + crop.X0, points[i].Y + crop.Y0), cropIndex));
            }
    }

    private static SamMask Uncrop(Candidate c, PixelBox crop, int width, int height)
    {
        int cw = crop.X1 - crop.X0;
        bool[] full;
        if (cw == width && crop.Y1 - crop.Y0 == height) full = c.Mask;
        else
        {
            full = new bool[width * height];
            for (int y = 0; y < crop.Y1 - crop.Y0; y++)
                Array.Copy(c.Mask, y * cw, full, (y + crop.Y0) * width + crop.X0, cw);
        }
        return new SamMask(full, width, height, c.Box, c.Area, c.IoU, c.Stability, c.Point, crop);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _encoder?.Dispose();
        _decoder?.Dispose();
    }
}
