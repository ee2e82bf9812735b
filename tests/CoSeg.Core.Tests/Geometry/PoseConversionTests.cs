using CoSeg.Geometry;

namespace CoSeg.Tests.Geometry;

public class PoseConversionTests
{
    // An OpenGL camera at (0, 0, 5) with identity rotation looks down −Z at the origin, +Y up.
    private static readonly double[] GlAtZ5 = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 5, 0, 0, 0, 1 };

    [Fact]
    public void OpenGlPose_OriginProjectsToCentre_UpIsUpInTheImage_RightIsRight()
    {
        var cam = PoseConversions.FromOpenGlCameraToWorld(GlAtZ5, 100, 80, 50, 50, 50, 40);
        var (u, v, d) = cam.Project(0, 0, 0);
        Assert.Equal(50, u, 9); Assert.Equal(40, v, 9); Assert.Equal(5, d, 9);
        var up = cam.Project(0, 1, 0);
        Assert.True(up.V < 40, "world +Y (up in the OpenGL camera) must be above the centre (smaller row)");
        var right = cam.Project(1, 0, 0);
        Assert.True(right.U > 50, "world +X must be right of the centre");
        var c = cam.Center;
        Assert.Equal(0, c.X, 12); Assert.Equal(0, c.Y, 12); Assert.Equal(5, c.Z, 12);
    }

    [Fact]
    public void OpenGlPose_RoundTripsThroughCamera()
    {
        var q = Quaternions.Normalize(0.8, 0.1, -0.5, 0.3);
        var r = Quaternions.ToRotationMatrix(q.W, q.X, q.Y, q.Z);
        double[] c2w = { r[0], r[1], r[2], 1.5, r[3], r[4], r[5], -2, r[6], r[7], r[8], 0.25, 0, 0, 0, 1 };
        var cam = PoseConversions.FromOpenGlCameraToWorld(c2w, 64, 48, 60, 61, 32, 24);
        var back = PoseConversions.ToOpenGlCameraToWorld(cam);
        for (int i = 0; i < 16; i++) Assert.Equal(c2w[i], back[i], 12);
    }

    [Fact]
    public void LlffPose_EqualsTheEquivalentOpenGlPose()
    {
        // OpenGL axes (right, up, back) = LLFF columns (1, −0, 2): LLFF column 0 is "down" = −up.
        var q = Quaternions.Normalize(0.9, -0.2, 0.3, 0.1);
        var r = Quaternions.ToRotationMatrix(q.W, q.X, q.Y, q.Z); // columns = right, up, back (OpenGL)
        double[] pos = { 0.3, -1.2, 2.0 };
        double[] gl = new double[16]; gl[15] = 1;
        var llff = new double[15];
        for (int row = 0; row < 3; row++)
        {
            double right = r[row * 3], up = r[row * 3 + 1], back = r[row * 3 + 2];
            gl[row * 4] = right; gl[row * 4 + 1] = up; gl[row * 4 + 2] = back; gl[row * 4 + 3] = pos[row];
            llff[row * 5] = -up; llff[row * 5 + 1] = right; llff[row * 5 + 2] = back; llff[row * 5 + 3] = pos[row];
        }
        llff[4] = 3024; llff[9] = 4032; llff[14] = 3000; // H, W, focal at full resolution
        var fromLlff = PoseConversions.FromLlffPose(llff, 504, 378);
        var fromGl = PoseConversions.FromOpenGlCameraToWorld(gl, 504, 378, 3000 / 8.0, 3000 / 8.0, 252, 189);
        Assert.Equal(375, fromLlff.Fx, 9); Assert.Equal(375, fromLlff.Fy, 9);
        Assert.Equal(252, fromLlff.Cx, 12); Assert.Equal(189, fromLlff.Cy, 12);
        for (int i = 0; i < 9; i++) Assert.Equal(fromGl.Rotation[i], fromLlff.Rotation[i], 12);
        for (int i = 0; i < 3; i++) Assert.Equal(fromGl.Translation[i], fromLlff.Translation[i], 12);
    }

    [Fact]
    public void ColmapPose_IsWorldToCamera()
    {
        var cam = PoseConversions.FromColmap(1, 0, 0, 0, 0, 0, 4, 10, 10, 5, 5, 5, 5);
        Assert.Equal(4, cam.Project(0, 0, 0).Depth, 12);
        var c = cam.Center;
        Assert.Equal(-4, c.Z, 12);
    }

    [Fact]
    public void Downscaled_RescalesIntrinsics()
    {
        var cam = PoseConversions.FromOpenGlCameraToWorld(GlAtZ5, 800, 800, 1111.1, 1111.1, 400, 400).Downscaled(2);
        Assert.Equal(400, cam.Width); Assert.Equal(555.55, cam.Fx, 9); Assert.Equal(200, cam.Cx, 9);
        // The projection scales with the image: same world point, half the pixel coordinates.
        Assert.Equal(200, cam.Project(0, 0, 0).U, 9);
    }

    [Fact]
    public void ScaledRotation_IsRejectedWithAClearMessage()
    {
        double[] scaled = { 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 5, 0, 0, 0, 1 };
        var e = Assert.Throws<ArgumentException>(() => PoseConversions.FromOpenGlCameraToWorld(scaled, 10, 10, 5, 5, 5, 5, "frame7"));
        Assert.Contains("frame7", e.Message);
        Assert.Contains("orthonormal", e.Message);
    }
}
