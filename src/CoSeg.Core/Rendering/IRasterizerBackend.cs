using CoSeg.Geometry;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>
/// One implementation of the tile rasterizer (ILGPU kernels, native C++, or the dense TorchSharp reference).
/// Every backend computes the same maths (see docs/rasterizer.md) so they are interchangeable and testable
/// against each other. Inputs are float32 contiguous tensors; outputs are fresh tensors owned by the caller.
/// </summary>
internal interface IRasterizerBackend : IDisposable
{
    /// <summary>Short name: "ilgpu-cpu", "ilgpu-cuda", "native", "reference".</summary>
    string Name { get; }

    /// <summary>Projects, bins, sorts and blends the Gaussians into an image of <paramref name="camera"/>'s size.</summary>
    RasterForward Forward(RasterInputs inputs, Camera camera, RasterSettings settings);

    /// <summary>
    /// Back-propagates output gradients (H×W×C for colours, H×W for alpha and accumulated depth; null = zero)
    /// to every input.
    /// </summary>
    RasterGradients Backward(RasterInputs inputs, Camera camera, RasterSettings settings, RasterForward forward,
                             Tensor gradColors, Tensor? gradAlpha, Tensor? gradDepth);

    /// <summary>
    /// View-dependent SH colours (N×3) of coefficients <paramref name="sh"/> (N×K×3, the first (degree+1)² used) seen
    /// from <paramref name="centre"/>: max(Σ shₖ·Yₖ(dir) + 0.5, 0), dir = normalize(mean − centre).
    /// </summary>
    Tensor ShForward(Tensor sh, Tensor means, (double X, double Y, double Z) centre, int degree);

    /// <summary>
    /// Backward of <see cref="ShForward"/>: writes dL/dsh into the first (degree+1)² coefficients of every row of
    /// <paramref name="gradSh"/> (N×K×3; the others are left as they are) and adds dL/dmean into <paramref name="gradMeans"/> (N×3).
    /// </summary>
    void ShBackward(Tensor sh, Tensor means, (double X, double Y, double Z) centre, int degree, Tensor gradRgb,
                    Tensor gradSh, Tensor gradMeans);

    /// <summary>
    /// Feature unprojection for one view: for every pixel p and every Gaussian g blended there with weight
    /// w_gp = α_g(p)·T_g(p), adds w_gp·F_p into <paramref name="featureSums"/>[g] (N×C) and w_gp into
    /// <paramref name="weightSums"/>[g] (N). <paramref name="pixelFeatures"/> is H×W×C at the camera's size.
    /// The accumulators are updated in place so a caller can sum over many views.
    /// </summary>
    void Unproject(RasterInputs inputs, Camera camera, RasterSettings settings, Tensor pixelFeatures,
                   Tensor featureSums, Tensor weightSums);

    /// <summary>
    /// Picking: per pixel the Gaussian with the largest blending weight α·T (front-most on ties; −1 where none) and
    /// that weight, both H×W. <see cref="RasterInputs.Colors"/> is not used.
    /// </summary>
    TopContributorResult TopContributor(RasterInputs inputs, Camera camera, RasterSettings settings);
}
