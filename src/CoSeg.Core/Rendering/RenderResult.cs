using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>The output of one render; every tensor is part of the autograd graph where applicable.</summary>
public sealed class RenderResult : IDisposable
{
    internal RenderResult(Tensor image, Tensor alpha, Tensor depth, Tensor radii, Tensor means2d)
    {
        Image = image; Alpha = alpha; Depth = depth; Radii = radii; Means2d = means2d;
    }

    /// <summary>H×W×C blended channels (C = 3 for <see cref="Rasterizer.Render"/>), background included.</summary>
    public Tensor Image { get; }
    /// <summary>H×W accumulated opacity 1 − T_final.</summary>
    public Tensor Alpha { get; }
    /// <summary>H×W accumulated depth Σ α T z (divide by <see cref="Alpha"/> for the expected depth).</summary>
    public Tensor Depth { get; }
    /// <summary>N int32 screen-space radii in pixels; 0 = not visible in this view.</summary>
    public Tensor Radii { get; }
    /// <summary>
    /// N×2 zeros that require grad; after <c>backward</c>, <c>Means2d.grad</c> holds dL/d(projected 2D means) in
    /// pixels (used by densification).
    /// </summary>
    public Tensor Means2d { get; }

    /// <summary>Disposes the output tensors.</summary>
    public void Dispose()
    {
        Image.Dispose(); Alpha.Dispose(); Depth.Dispose(); Radii.Dispose(); Means2d.Dispose();
    }
}
