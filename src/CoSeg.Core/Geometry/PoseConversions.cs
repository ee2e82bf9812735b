namespace CoSeg.Geometry;

/// <summary>
/// Conversions from the pose conventions of common datasets to <see cref="Camera"/> (OpenCV axes: +X right, +Y down,
/// +Z forward; world-to-camera <c>x_cam = R x_world + t</c>).
/// <list type="bullet">
/// <item>Blender / OpenGL / NeRF / instant-ngp: a camera-to-world 4×4 whose camera looks down −Z with +Y up
/// (axes right, up, back). OpenCV axes are (right, −up, −back): the second and third columns flip sign.</item>
/// <item>LLFF <c>poses_bounds.npy</c>: a 3×5 camera-to-world matrix whose rotation columns are the camera's
/// (down, right, back) axes in world coordinates, then the position, then (height, width, focal) at full resolution.
/// OpenCV axes are (right, down, −back) = (column 1, column 0, −column 2).</item>
/// <item>COLMAP: already world-to-camera in OpenCV axes, rotation as a quaternion (w, x, y, z).</item>
/// </list>
/// </summary>
public static class PoseConversions
{
    /// <summary>
    /// A camera from a Blender/OpenGL camera-to-world matrix, given as 16 (4×4) or 12 (3×4) row-major values.
    /// </summary>
    public static Camera FromOpenGlCameraToWorld(ReadOnlySpan<double> cameraToWorld, int width, int height,
                                                 double fx, double fy, double cx, double cy, string? name = null)
    {
        if (cameraToWorld.Length != 16 && cameraToWorld.Length != 12)
            throw new ArgumentException($"Camera-to-world matrix must have 16 (4×4) or 12 (3×4) row-major entries, got {cameraToWorld.Length}.", nameof(cameraToWorld));
        // Rotation columns in OpenCV order: right, down (= −up), forward (= −back).
        Span<double> c2w = stackalloc double[9];
        for (int row = 0; row < 3; row++)
        {
            c2w[row * 3 + 0] = cameraToWorld[row * 4 + 0];
            c2w[row * 3 + 1] = -cameraToWorld[row * 4 + 1];
            c2w[row * 3 + 2] = -cameraToWorld[row * 4 + 2];
        }
        var position = (cameraToWorld[3], cameraToWorld[7], cameraToWorld[11]);
        return FromOpenCvCameraToWorld(c2w, position, width, height, fx, fy, cx, cy, name);
    }

    /// <summary>
    /// A camera from one LLFF pose: the 15 values of its 3×5 matrix, row-major (rotation columns down, right, back;
    /// then position; then height, width, focal at full resolution). The focal is scaled by
    /// <paramref name="imageWidth"/> / full width (and by <paramref name="imageHeight"/> / full height for fy) and
    /// the principal point is the image centre, as LLFF assumes.
    /// </summary>
    public static Camera FromLlffPose(ReadOnlySpan<double> pose3x5, int imageWidth, int imageHeight, string? name = null)
    {
        if (pose3x5.Length != 15) throw new ArgumentException($"An LLFF pose has 15 values (3×5 row-major), got {pose3x5.Length}.", nameof(pose3x5));
        double fullH = pose3x5[4], fullW = pose3x5[9], focal = pose3x5[14];
        if (!(fullH > 0) || !(fullW > 0) || !(focal > 0))
            throw new ArgumentException($"LLFF pose has invalid (height, width, focal) = ({fullH}, {fullW}, {focal}).", nameof(pose3x5));
        Span<double> c2w = stackalloc double[9];
        for (int row = 0; row < 3; row++)
        {
            c2w[row * 3 + 0] = pose3x5[row * 5 + 1];  // right
            c2w[row * 3 + 1] = pose3x5[row * 5 + 0];  // down
            c2w[row * 3 + 2] = -pose3x5[row * 5 + 2]; // forward = −back
        }
        var position = (pose3x5[3], pose3x5[8], pose3x5[13]);
        double fx = focal * imageWidth / fullW, fy = focal * imageHeight / fullH;
        return FromOpenCvCameraToWorld(c2w, position, imageWidth, imageHeight, fx, fy, imageWidth / 2.0, imageHeight / 2.0, name);
    }

    /// <summary>A camera from a COLMAP image pose (world-to-camera quaternion w, x, y, z and translation).</summary>
    public static Camera FromColmap(double qw, double qx, double qy, double qz, double tx, double ty, double tz,
                                    int width, int height, double fx, double fy, double cx, double cy, string? name = null)
    {
        var r = Quaternions.ToRotationMatrix(qw, qx, qy, qz);
        return new Camera(width, height, fx, fy, cx, cy, r, new[] { tx, ty, tz }, name);
    }

    /// <summary>
    /// A camera from an OpenCV-axes camera-to-world rotation (3×3 row-major, columns = camera axes in world) and the
    /// camera position. The rotation must be proper (orthonormal, det +1).
    /// </summary>
    public static Camera FromOpenCvCameraToWorld(ReadOnlySpan<double> rotationCameraToWorld, (double X, double Y, double Z) position,
                                                 int width, int height, double fx, double fy, double cx, double cy, string? name = null)
    {
        RotationMatrices.EnsureRotation(rotationCameraToWorld, name is null ? "camera pose" : $"camera pose '{name}'");
        var r = RotationMatrices.Transpose(rotationCameraToWorld);
        var t = new[]
        {
            -(r[0] * position.X + r[1] * position.Y + r[2] * position.Z),
            -(r[3] * position.X + r[4] * position.Y + r[5] * position.Z),
            -(r[6] * position.X + r[7] * position.Y + r[8] * position.Z),
        };
        return new Camera(width, height, fx, fy, cx, cy, r, t, name);
    }

    /// <summary>The camera's Blender/OpenGL camera-to-world 4×4 matrix, row-major (inverse of <see cref="FromOpenGlCameraToWorld"/>).</summary>
    public static double[] ToOpenGlCameraToWorld(Camera camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        var rt = RotationMatrices.Transpose(camera.Rotation);
        var c = camera.Center;
        return new[]
        {
            rt[0], -rt[1], -rt[2], c.X,
            rt[3], -rt[4], -rt[5], c.Y,
            rt[6], -rt[7], -rt[8], c.Z,
            0, 0, 0, 1,
        };
    }

    /// <summary>Focal length in pixels from a field of view (radians) across <paramref name="sizePixels"/>: <c>0.5·size / tan(fov/2)</c>.</summary>
    public static double FocalFromFieldOfView(double fieldOfViewRadians, int sizePixels)
    {
        if (!(fieldOfViewRadians > 0) || !(fieldOfViewRadians < Math.PI))
            throw new ArgumentOutOfRangeException(nameof(fieldOfViewRadians), $"Field of view must be in (0, π) radians, got {fieldOfViewRadians}.");
        return 0.5 * sizePixels / Math.Tan(0.5 * fieldOfViewRadians);
    }
}
