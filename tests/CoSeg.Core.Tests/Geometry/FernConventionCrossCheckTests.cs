using CoSeg.Data;
using CoSeg.Geometry;
using CoSeg.Tests.Infrastructure;

namespace CoSeg.Tests.Geometry;

/// <summary>
/// Two independent sources must agree: fern's COLMAP points (points3D.bin) and its LLFF poses (poses_bounds.npy) share
/// one world frame, so with the right axis conversion every point is in front of every camera and most project into
/// the image. A wrong convention must fail the same criterion. Measured: the right convention puts 97.7 % of the
/// projections inside the images; reading the LLFF columns as OpenGL ones (a 90° roll) still puts 81.7 % inside, so the
/// criterion used here is stricter than the customary 80 %: all in front and more than 95 % inside.
/// </summary>
public class FernConventionCrossCheckTests
{
    private static (double InsideFraction, double FrontFraction) Score(IReadOnlyList<Camera> cameras, float[] xyz)
    {
        long inside = 0, front = 0, total = 0;
        foreach (var cam in cameras)
            for (int i = 0; i < xyz.Length; i += 3)
            {
                total++;
                var (u, v, d) = cam.Project(xyz[i], xyz[i + 1], xyz[i + 2]);
                if (d > 0) front++;
                if (d > 0 && u >= 0 && u < cam.Width && v >= 0 && v < cam.Height) inside++;
            }
        return ((double)inside / total, (double)front / total);
    }

    private static float[] ReadPoints(string fern)
    {
        var (xyz, _) = CoSeg.Data.ColmapModel.ReadPointsBinary(Path.Combine(fern, "sparse", "0", "points3D.bin"));
        return xyz;
    }

    [SkippableFact]
    public void ColmapPointsProjectIntoLlffCameras_WithTheRightConvention()
    {
        string fern = SharedData.Require("nerf_llff_data/fern");
        var xyz = ReadPoints(fern);
        Assert.True(xyz.Length / 3 > 1000);
        using var ds = DatasetLoader.Load(fern, new DatasetLoadOptions { Downscale = 8 });
        var cams = ds.AllViews.Select(v => v.Camera).ToList();
        var (inside, front) = Score(cams, xyz);
        Assert.Equal(1.0, front); // every point in front of every camera
        Assert.True(inside > 0.95, $"only {inside:P1} of point projections land inside the images");
    }

    [SkippableFact]
    public void ColmapPointsFailTheCriterion_WithAWrongConvention()
    {
        string fern = SharedData.Require("nerf_llff_data/fern");
        var xyz = ReadPoints(fern);
        var (rows, data) = NpyFile.ReadMatrix(Path.Combine(fern, "poses_bounds.npy"), 17);
        // Plausible mistakes: treating the LLFF (down, right, back) columns as OpenGL (right, up, back) directly,
        // or forgetting the OpenGL → OpenCV flip.
        var asIfOpenGl = new List<Camera>();
        var noFlip = new List<Camera>();
        var transposed = new List<Camera>();
        for (int i = 0; i < rows; i++)
        {
            var p = data.AsSpan(i * 17, 15).ToArray();
            double f = p[14] * 504 / p[9];
            double[] gl = { p[0], p[1], p[2], p[3], p[5], p[6], p[7], p[8], p[10], p[11], p[12], p[13], 0, 0, 0, 1 };
            asIfOpenGl.Add(PoseConversions.FromOpenGlCameraToWorld(gl, 504, 378, f, f, 252, 189));
            // Correct axes reordered to OpenGL (right, up, back) but then used as OpenCV without flipping.
            double[] rot = { p[1], -p[0], p[2], p[6], -p[5], p[7], p[11], -p[10], p[12] };
            noFlip.Add(PoseConversions.FromOpenCvCameraToWorld(rot, (p[3], p[8], p[13]), 504, 378, f, f, 252, 189));
            // The right axes, but the camera-to-world rotation used as world-to-camera (a missing inverse).
            var right = PoseConversions.FromLlffPose(p, 504, 378);
            transposed.Add(new Camera(504, 378, f, f, 252, 189, RotationMatrices.Transpose(right.Rotation), new[] { p[3], p[8], p[13] }));
        }
        foreach (var wrong in new[] { asIfOpenGl, noFlip, transposed })
        {
            var (inside, front) = Score(wrong, xyz);
            Assert.False(front == 1.0 && inside > 0.95, $"a wrong convention passed the criterion (front {front:P1}, inside {inside:P1})");
        }
    }
}
