using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Reconstruction;
using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Tests.Reconstruction;

/// <summary>Small generated scenes: a ground-truth Gaussian set rendered by the reference backend from an orbit.</summary>
internal static class TinyScenes
{
    /// <summary>Two coloured Gaussians near the origin (SH degree 0).</summary>
    public static GaussianScene Truth()
    {
        var means = tensor(new float[] { -0.35f, 0.1f, 0f, 0.3f, -0.15f, 0.1f }).reshape(2, 3);
        var logScales = tensor(new float[] { -1.6f, -1.9f, -1.7f, -1.8f, -1.5f, -1.6f }).reshape(2, 3);
        var rot = tensor(new float[] { 1, 0.2f, 0, 0, 0.9f, 0, 0.3f, 0.1f }).reshape(2, 4);
        var opac = tensor(new float[] { 2.5f, 2f });
        var rgb = tensor(new float[] { 0.9f, 0.2f, 0.1f, 0.1f, 0.4f, 0.95f }).reshape(2, 1, 3);
        return new GaussianScene(means, logScales, rot, opac, (rgb - 0.5f) / (float)GaussianInitializer.ShC0);
    }

    /// <summary>A start point away from the truth: shifted, smaller, grey, half as opaque.</summary>
    public static GaussianScene Start()
    {
        using var t = Truth();
        var means = t.Means + tensor(new float[] { 0.12f, -0.08f, 0.05f });
        var logScales = t.LogScales - 0.4f;
        var rot = zeros(2, 4); rot[.., 0] = 1f;
        var opac = zeros(2);
        var sh = zeros(2, 1, 3);
        return new GaussianScene(means, logScales, rot, opac, sh);
    }

    public static IReadOnlyList<Camera> Cameras(int count, int size) =>
        LookAtCamera.Orbit((0, 0, 0), 3.0, (0, -1, 0), count, size, size, elevationDegrees: 25, fovYDegrees: 35);

    /// <summary>Training data rendered from <see cref="Truth"/> (black background, reference backend).</summary>
    public static TrainingData Data(int views = 4, int size = 32)
    {
        using var truth = Truth();
        var list = new List<TrainingView>();
        foreach (var cam in Cameras(views, size))
        {
            Tensor img;
            using (var r = Rasterizer.Render(truth, cam, new RenderOptions { Backend = "reference" }))
                img = r.Image.detach().clone();
            list.Add(new TrainingView(cam, () => (img.clone(), null)));
        }
        return new TrainingData(list, null, null, [0f, 0f, 0f], false);
    }

    /// <summary>Options for a short reference-backend run without densification.</summary>
    public static ReconstructOptions Options(int iterations) => new()
    {
        Iterations = iterations,
        Backend = "reference",
        ShDegree = 0,
        PositionLrInit = 2e-3,
        PositionLrFinal = 2e-4,
        FeatureLr = 0.02,
        OpacityLr = 0.05,
        ScalingLr = 0.02,
        RotationLr = 0.01,
        DensifyFrom = 1_000_000,
        DensifyUntil = 2_000_000,
        OpacityResetInterval = 1_000_000,
    };

    /// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; would post asynchronously).</summary>
    public sealed class SyncProgress(Action<ReconstructProgress> onReport) : IProgress<ReconstructProgress>
    {
        public void Report(ReconstructProgress value) => onReport(value);
    }
}
