using TorchSharp;

namespace CoSeg.Features;

/// <summary>Loads TorchScript files with errors that name the file and the problem.</summary>
internal static class TorchScriptLoader
{
    public static torch.jit.ScriptModule Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"TorchScript model file not found: {path}", path);
        try
        {
            var m = torch.jit.load(path);
            m.eval();
            return m;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{path}' is not a loadable TorchScript model: {e.Message.Split('\n')[0]}", e);
        }
    }
}
