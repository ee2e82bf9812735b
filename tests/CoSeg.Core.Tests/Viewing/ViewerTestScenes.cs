using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Rendering;
using CoSeg.Viewing;
using static TorchSharp.torch;

namespace CoSeg.Tests.Viewing;

/// <summary>
/// A scene with three known segments seen by one camera: segment 1 is a cluster on the left of the image, segment 2 on
/// the right, segment 3 in the centre (nearer the camera). Opaque Gaussians, so segment colours show clearly.
/// </summary>
internal static class ViewerTestScenes
{
    /// <summary>The camera the page snaps to: at (0, −5, 0) looking at the origin, +Z up, so world +X is screen right.</summary>
    public static Camera Camera(int width = 320, int height = 240) => LookAtCamera.Create((0, -5, 0), (0, 0, 0), (0, 0, 1), width, height, 40);

    /// <summary>The scene and its per-Gaussian segment ids.</summary>
    public static (GaussianScene Scene, int[] Ids) ThreeSegments(int perSegment = 40, int seed = 3)
    {
        var rng = new Random(seed);
        var centres = new[] { (-1.2, 0.0, 0.0), (1.2, 0.0, 0.0), (0.0, -0.8, 0.0) };
        int n = 3 * perSegment;
        var means = new float[n * 3]; var ids = new int[n]; var sh = new float[n * 3];
        for (int i = 0; i < n; i++)
        {
            int s = i / perSegment;
            var (cx, cy, cz) = centres[s];
            means[3 * i] = (float)(cx + (rng.NextDouble() - 0.5) * 0.5);
            means[3 * i + 1] = (float)(cy + (rng.NextDouble() - 0.5) * 0.3);
            means[3 * i + 2] = (float)(cz + (rng.NextDouble() - 0.5) * 0.5);
            ids[i] = s + 1;
            for (int c = 0; c < 3; c++) sh[3 * i + c] = (float)((0.3 + 0.4 * rng.NextDouble() - 0.5) / 0.28209479177387814);
        }
        var scene = new GaussianScene(tensor(means, n, 3), full(n, 3, MathF.Log(0.14f)),
            tensor(Enumerable.Range(0, n).SelectMany(_ => new float[] { 1, 0, 0, 0 }).ToArray(), n, 4), full(n, 5f), tensor(sh, n, 1, 3));
        return (scene, ids);
    }

    /// <summary>A viewer scene over <see cref="ThreeSegments"/> with <see cref="Camera"/> to snap to (owns the scene).</summary>
    public static ViewerScene Viewer()
    {
        var (scene, ids) = ThreeSegments();
        return new ViewerScene(scene, ids, ids.Select(i => 0.5f + 0.1f * i).ToArray(), new[] { Camera() }, ownsScene: true);
    }
}
