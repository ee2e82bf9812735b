using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace CoSeg.Models;

/// <summary>A float tensor in host memory: row-major data and its shape.</summary>
internal sealed record HostTensor(float[] Data, long[] Shape)
{
    public string ShapeText => OnnxModel.FormatShape(Shape);
}

/// <summary>
/// One ONNX Runtime session with errors that name the file, the input/output and the problem: loading a file that is
/// not ONNX, a missing input or output, a shape the model declares differently, or a run the runtime refuses all throw
/// managed exceptions (<see cref="InvalidDataException"/>, <see cref="ArgumentException"/>), never a native crash.
/// </summary>
internal sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;

    private OnnxModel(InferenceSession session, string path, string role)
    {
        _session = session; Path = path; Role = role;
    }

    /// <summary>The model file.</summary>
    public string Path { get; }
    /// <summary>What the model is for, in messages ("feature model", "SAM decoder").</summary>
    public string Role { get; }
    public IReadOnlyDictionary<string, NodeMetadata> Inputs => _session.InputMetadata;
    public IReadOnlyDictionary<string, NodeMetadata> Outputs => _session.OutputMetadata;
    public IReadOnlyList<string> InputNames => _session.InputNames;
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    public static OnnxModel Load(string path, string role, OnnxSessionOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var o = options ?? new OnnxSessionOptions();
        o.Validate();
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX {role} file not found: {path}", path);
        var so = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        try
        {
            if (o.IntraOpThreads is { } intra) so.IntraOpNumThreads = intra;
            if (o.InterOpThreads is { } inter) so.InterOpNumThreads = inter;
            if (o.Provider == OnnxExecutionProvider.Cuda)
            {
                try { so.AppendExecutionProvider_CUDA(o.CudaDeviceId); }
                catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
                {
                    throw new InvalidOperationException(
                        $"ONNX {role} '{path}': the CUDA execution provider is not available ({FirstLine(e.Message)}). " +
                        "Reference the GPU runtime package Microsoft.ML.OnnxRuntime.Gpu in the application (see docs/models.md) " +
                        "and install a matching CUDA/cuDNN, or use the CPU provider.", e);
                }
            }
            try { return new OnnxModel(new InferenceSession(path, so), path, role); }
            catch (OnnxRuntimeException e)
            {
                throw new InvalidDataException($"'{path}' is not a loadable ONNX {role}: {FirstLine(e.Message)}", e);
            }
        }
        finally { so.Dispose(); }
    }

    /// <summary>The only input, or the named one; throws naming the inputs the model has.</summary>
    public string ResolveInput(string? name, string option)
    {
        if (name is not null)
            return Inputs.ContainsKey(name) ? name
                : throw new ArgumentException($"ONNX {Role} '{Path}' has no input '{name}' ({option}); its inputs: {Describe(Inputs)}.", option);
        if (Inputs.Count != 1)
            throw new InvalidDataException($"ONNX {Role} '{Path}' has {Inputs.Count} inputs ({Describe(Inputs)}); expected one image input (or name it with {option}).");
        return InputNames[0];
    }

    /// <summary>The first output, or the named one; throws naming the outputs the model has.</summary>
    public string ResolveOutput(string? name, string option)
    {
        if (name is null) return OutputNames[0];
        return Outputs.ContainsKey(name) ? name
            : throw new ArgumentException($"ONNX {Role} '{Path}' has no output '{name}' ({option}); its outputs: {Describe(Outputs)}.", option);
    }

    /// <summary>Throws unless every name is an input (or output) of the model, naming the missing ones.</summary>
    public void Require(IEnumerable<string> inputs, IEnumerable<string> outputs, string expectedLayout)
    {
        var missingIn = inputs.Where(n => !Inputs.ContainsKey(n)).ToList();
        var missingOut = outputs.Where(n => !Outputs.ContainsKey(n)).ToList();
        if (missingIn.Count == 0 && missingOut.Count == 0) return;
        var parts = new List<string>();
        if (missingIn.Count > 0) parts.Add($"missing input(s) {string.Join(", ", missingIn.Select(n => $"'{n}'"))}");
        if (missingOut.Count > 0) parts.Add($"missing output(s) {string.Join(", ", missingOut.Select(n => $"'{n}'"))}");
        throw new InvalidDataException(
            $"ONNX {Role} '{Path}' does not have the expected layout ({expectedLayout}): {string.Join("; ", parts)}. " +
            $"It has inputs {Describe(Inputs)} and outputs {Describe(Outputs)}.");
    }

    /// <summary>Throws unless the named input or output holds float32 tensors.</summary>
    public void RequireFloat(string name, bool input)
    {
        var meta = input ? Inputs[name] : Outputs[name];
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float)
            throw new InvalidDataException($"ONNX {Role} '{Path}': {(input ? "input" : "output")} '{name}' is {meta.OnnxValueType}/{meta.ElementDataType}; expected a float32 tensor.");
    }

    /// <summary>Declared dimensions of an input (−1 = dynamic).</summary>
    public int[] InputDims(string name) => Inputs[name].Dimensions;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when <paramref name="shape"/> contradicts the dimensions the model declares
    /// for <paramref name="input"/> (a fixed input size, a different rank), with <paramref name="hint"/> on how to fix it.
    /// </summary>
    public void CheckShape(string input, long[] shape, string hint)
    {
        var dims = Inputs[input].Dimensions;
        bool ok = dims.Length == shape.Length;
        for (int i = 0; ok && i < dims.Length; i++) ok = dims[i] < 0 || dims[i] == shape[i];
        if (!ok)
            throw new ArgumentException($"ONNX {Role} '{Path}': input '{input}' is declared {FormatShape(dims.Select(d => (long)d).ToArray())}, got {FormatShape(shape)}{(hint.Length > 0 ? "; " + hint : "")}.");
    }

    /// <summary>Runs the model on float inputs and returns the requested float outputs in order.</summary>
    public HostTensor[] Run(IReadOnlyList<(string Name, HostTensor Value)> inputs, IReadOnlyList<string> outputs)
    {
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            var feeds = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
            foreach (var (name, value) in inputs)
            {
                var v = OrtValue.CreateTensorValueFromMemory(value.Data, value.Shape);
                values.Add(v);
                feeds[name] = v;
            }
            IDisposableReadOnlyCollection<OrtValue> results;
            using (var run = new RunOptions())
            {
                try { results = _session.Run(run, feeds, outputs.ToArray()); }
                catch (OnnxRuntimeException e)
                {
                    string given = string.Join(", ", inputs.Select(i => $"{i.Name} {i.Value.ShapeText}"));
                    throw new ArgumentException($"ONNX {Role} '{Path}' refused its input ({given}): {FirstLine(e.Message)}", e);
                }
            }
            using (results)
            {
                var r = new HostTensor[outputs.Count];
                for (int i = 0; i < r.Length; i++)
                {
                    var info = results[i].GetTensorTypeAndShape();
                    if (info.ElementDataType != TensorElementType.Float)
                        throw new InvalidDataException($"ONNX {Role} '{Path}': output '{outputs[i]}' is {info.ElementDataType}; expected float32.");
                    r[i] = new HostTensor(results[i].GetTensorDataAsSpan<float>().ToArray(), info.Shape);
                }
                return r;
            }
        }
        finally { foreach (var v in values) v.Dispose(); }
    }

    public static string FormatShape(long[] shape) => "[" + string.Join(",", shape.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    private static string Describe(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
        nodes.Count == 0 ? "none" : string.Join(", ", nodes.Select(kv => $"'{kv.Key}' {FormatShape(kv.Value.IsTensor ? kv.Value.Dimensions.Select(d => (long)d).ToArray() : Array.Empty<long>())}"));

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    public void Dispose() => _session.Dispose();
}
