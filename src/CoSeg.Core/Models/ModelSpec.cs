using CoSeg.Features;
using CoSeg.Segmentation;

namespace CoSeg.Models;

/// <summary>
/// Builds 2D models from short "kind:path" specifications, as command lines and configuration files give them.
/// <list type="bullet">
/// <item>features: <c>builtin</c>, <c>torchscript:PATH</c>, <c>onnx:PATH</c>;</item>
/// <item>labels: <c>DIR</c> (label PNGs), <c>torchscript:PATH</c> and <c>onnx:PATH</c> (semantic segmenters),
/// <c>sam:ENCODER.onnx,DECODER.onnx</c> (automatic masks: instance labels).</item>
/// </list>
/// The models get their default options; build the classes directly for other settings. The caller disposes what is
/// returned when it is <see cref="IDisposable"/>.
/// </summary>
public static class ModelSpec
{
    /// <summary>The feature extractor of <paramref name="spec"/>; throws <see cref="ArgumentException"/> for an unknown form.</summary>
    public static IFeatureExtractor CreateFeatureExtractor(string spec, OnnxSessionOptions? session = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        if (spec == "builtin") return new BuiltinFeatureExtractor();
        var (kind, path) = Split(spec);
        return kind switch
        {
            "torchscript" => new TorchScriptFeatureExtractor(RequirePath(path, spec)),
            "onnx" => new OnnxFeatureExtractor(RequirePath(path, spec), new OnnxFeatureOptions { Session = session ?? new() }),
            _ => throw new ArgumentException($"feature model '{spec}' is not one of builtin, torchscript:PATH, onnx:PATH.", nameof(spec)),
        };
    }

    /// <summary>The label source of <paramref name="spec"/>; throws <see cref="ArgumentException"/> for an unknown form.</summary>
    public static ILabelSource CreateLabelSource(string spec, OnnxSessionOptions? session = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        var (kind, path) = Split(spec);
        switch (kind)
        {
            case "torchscript": return new TorchScriptLabelSource(RequirePath(path, spec));
            case "onnx": return new OnnxLabelSource(RequirePath(path, spec), new OnnxLabelOptions { Session = session ?? new() });
            case "sam":
                var parts = RequirePath(path, spec).Split(',', StringSplitOptions.TrimEntries);
                if (parts.Length != 2 || parts.Any(p => p.Length == 0))
                    throw new ArgumentException($"label model '{spec}' must be sam:ENCODER.onnx,DECODER.onnx (two files separated by a comma).", nameof(spec));
                return new SamMaskGenerator(parts[0], parts[1], new SamMaskGeneratorOptions { Session = session ?? new() });
            case null:
                if (!Directory.Exists(spec))
                    throw new DirectoryNotFoundException($"labels '{spec}' is neither a folder of label PNGs nor one of torchscript:PATH, onnx:PATH, sam:ENCODER,DECODER.");
                return new PngFolderLabelSource(spec);
            default: throw new InvalidOperationException("unreachable");
        }
    }

    /// <summary>Whether the labels of <paramref name="spec"/> are per-view instance ids (<c>sam:</c>) rather than semantic classes.</summary>
    public static bool IsInstanceLabelSpec(string spec) => Split(spec ?? "").Kind == "sam";

    /// <summary>The recognised kind prefix and the rest; (null, spec) for a plain path (e.g. "C:\labels").</summary>
    private static (string? Kind, string Path) Split(string spec)
    {
        int colon = spec.IndexOf(':');
        if (colon > 0)
        {
            string kind = spec[..colon];
            if (kind is "torchscript" or "onnx" or "sam") return (kind, spec[(colon + 1)..]);
        }
        return (null, spec);
    }

    private static string RequirePath(string path, string spec) =>
        path.Trim().Length > 0 ? path.Trim() : throw new ArgumentException($"model spec '{spec}' has no file after the colon.", nameof(spec));
}
