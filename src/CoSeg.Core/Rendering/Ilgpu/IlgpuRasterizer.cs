using CoSeg.Geometry;
using static TorchSharp.torch;

namespace CoSeg.Rendering.Ilgpu;

internal sealed class IlgpuRasterizer : IRasterizerBackend
{
    public string Name => "ilgpu";
    public RasterForward Forward(RasterInputs inputs, Camera camera, RasterSettings settings) => throw new NotImplementedException();
    public RasterGradients Backward(RasterInputs inputs, Camera camera, RasterSettings settings, RasterForward forward, Tensor gradColors, Tensor? gradAlpha, Tensor? gradDepth) => throw new NotImplementedException();
    public void Unproject(RasterInputs inputs, Camera camera, RasterSettings settings, Tensor pixelFeatures, Tensor featureSums, Tensor weightSums) => throw new NotImplementedException();
    public void Dispose() { }
}
