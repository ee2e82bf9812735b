using CoSeg.Geometry;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>
/// One implementation of the tile rasterizer (ILGPU kernels, native C++, or the dense TorchSharp reference).
/// Every backend computes the same maths (see docs/rasterizer.md) from the same <see cref="ProjectionParams"/>, so
/// they are interchangeable and testable against each other. Inputs are float32 contiguous tensors; outputs are
/// fresh tensors owned by the caller. Everything that touches projection or blending is an operation here.
/// </summary>
internal interface IRasterizerBackend : IDisposable
{
    /// <summary>Short name: "ilgpu-cpu", "ilgpu-cuda", "native", "reference".</summary>
    string Name { get; }

    /// <summary>Projects, bins, sorts and blends the Gaussians into an image of the view's size.</summary>
    RasterForward Forward(RasterInputs inputs, ProjectionParams view);

    /// <summary>
    /// Back-propagates output gradients (H×W×C for colours, H×W for alpha and accumulated depth; null = zero)
    /// to every input.
    /// </summary>
    RasterGradients Backward(RasterInputs inputs, ProjectionParams view, RasterForward forward,
                             Tensor gradColors, Tensor? gradAlpha, Tensor? gradDepth);

    /// <summary>
    /// Frozen-geometry backward: the gradient (N×C) with respect to the blended channels only, dL/dc_g =
    /// Σ_p w_gp·dL/dimage_p, reusing the forward's saved state and skipping every geometry gradient. This is the
    /// transpose of the forward, the same pass as <see cref="Unproject"/>.
    /// </summary>
    Tensor BackwardChannels(RasterInputs inputs, ProjectionParams view, RasterForward forward, Tensor gradColors);

    /// <summary>
    /// The αT-weighted transpose for one view (feature unprojection, label voting): for every pixel p and every
    /// Gaussian g blended there with weight w_gp = α_g(p)·T_g(p), adds w_gp·F_p into <paramref name="featureSums"/>[g]
    /// (N×C) and w_gp into <paramref name="weightSums"/>[g] (N). <paramref name="pixelFeatures"/> is H×W×C at the view's
    /// size; <c>inputs.Colors</c> is not used. The accumulators are updated in place so a caller can sum over views.
    /// </summary>
    void Unproject(RasterInputs inputs, ProjectionParams view, Tensor pixelFeatures, Tensor featureSums, Tensor weightSums);

    /// <summary>
    /// The visible set with its weight: adds Σ_p w_gp into <paramref name="weightSums"/>[g] (N); a Gaussian is visible
    /// in the view when its sum is &gt; 0. <c>inputs.Colors</c> is not used.
    /// </summary>
    void AccumulateWeights(RasterInputs inputs, ProjectionParams view, Tensor weightSums);
}

/// <summary>Camera + settings overloads of the backend operations (the projection value is built here, once per call).</summary>
internal static class RasterizerBackendExtensions
{
    public static RasterForward Forward(this IRasterizerBackend b, RasterInputs inputs, Camera camera, RasterSettings settings)
        => b.Forward(inputs, ProjectionParams.Create(camera, settings));

    public static RasterGradients Backward(this IRasterizerBackend b, RasterInputs inputs, Camera camera, RasterSettings settings,
                                           RasterForward forward, Tensor gradColors, Tensor? gradAlpha, Tensor? gradDepth)
        => b.Backward(inputs, ProjectionParams.Create(camera, settings), forward, gradColors, gradAlpha, gradDepth);

    public static void Unproject(this IRasterizerBackend b, RasterInputs inputs, Camera camera, RasterSettings settings, Tensor pixelFeatures,
                                 Tensor featureSums, Tensor weightSums)
        => b.Unproject(inputs, ProjectionParams.Create(camera, settings), pixelFeatures, featureSums, weightSums);
}
