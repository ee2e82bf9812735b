using CoSeg.Gaussians;
using CoSeg.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

public static partial class Rasterizer
{
    /// <summary>
    /// Picking for a view: per pixel the index of the Gaussian with the largest blending weight α·T (front-most on ties,
    /// −1 where nothing is blended) and that weight, computed by the rendering backend with the same projection, binning
    /// and blending as <see cref="Render"/>. Not differentiable.
    /// </summary>
    public static TopContributorResult RenderTopContributor(GaussianScene scene, Camera camera, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(camera);
        options ??= new RenderOptions();
        Validate(scene.Means, "scene.Means");
        Validate(scene.LogScales, "scene.LogScales");
        Validate(scene.Rotations, "scene.Rotations");
        Validate(scene.OpacityLogits, "scene.OpacityLogits");
        var backend = RasterizerBackends.Get(options.Backend);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var dtype = ScalarType.Float32;
        var inputs = new RasterInputs(scene.Means.to(dtype).contiguous(), scene.LogScales.to(dtype).exp().contiguous(),
            scene.Rotations.to(dtype).contiguous(), scene.OpacityLogits.to(dtype).sigmoid().contiguous(),
            torch.zeros(scene.Count, 1, dtype: dtype, device: scene.Means.device));
        var r = backend.TopContributor(inputs, camera, options.Settings ?? new RasterSettings());
        r.Index.MoveToOuterDisposeScope(); r.Weight.MoveToOuterDisposeScope();
        return r;
    }
}
