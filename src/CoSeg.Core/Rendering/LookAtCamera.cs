using CoSeg.Gaussians;
using CoSeg.Geometry;
using TorchSharp;

namespace CoSeg.Rendering;

/// <summary>Builds pinhole cameras (OpenCV axes) that look at a point, e.g. orbit views around a scene.</summary>
public static class LookAtCamera
{
    /// <summary>
    /// A camera at <paramref name="eye"/> looking at <paramref name="target"/> with <paramref name="up"/> as the world
    /// up direction, a vertical field of view in degrees and the principal point at the image centre.
    /// </summary>
    public static Camera Create((double X, double Y, double Z) eye, (double X, double Y, double Z) target,
                                (double X, double Y, double Z) up, int width, int height, double fovYDegrees = 50)
    {
        if (!(fovYDegrees > 0 && fovYDegrees < 180)) throw new ArgumentOutOfRangeException(nameof(fovYDegrees), "Field of view must be in (0, 180) degrees.");
        var f = Normalize(Sub(target, eye), "target − eye");
        var r = Normalize(Cross(f, up), "forward × up (up is parallel to the view direction)");
        var d = Cross(f, r);
        double[] rot = { r.X, r.Y, r.Z, d.X, d.Y, d.Z, f.X, f.Y, f.Z };
        double[] t = { -(r.X * eye.X + r.Y * eye.Y + r.Z * eye.Z), -(d.X * eye.X + d.Y * eye.Y + d.Z * eye.Z), -(f.X * eye.X + f.Y * eye.Y + f.Z * eye.Z) };
        double focal = 0.5 * height / Math.Tan(0.5 * fovYDegrees * Math.PI / 180);
        return new Camera(width, height, focal, focal, 0.5 * width, 0.5 * height, rot, t);
    }

    /// <summary>
    /// <paramref name="count"/> cameras on a circle of <paramref name="radius"/> around <paramref name="center"/> in the
    /// plane orthogonal to <paramref name="up"/>, raised by <paramref name="elevationDegrees"/>.
    /// </summary>
    public static IReadOnlyList<Camera> Orbit((double X, double Y, double Z) center, double radius, (double X, double Y, double Z) up,
                                              int count, int width, int height, double elevationDegrees = 20, double fovYDegrees = 50)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "Need at least one view.");
        if (!(radius > 0)) throw new ArgumentOutOfRangeException(nameof(radius), "Orbit radius must be positive.");
        var u = Normalize(up, "up");
        var helper = Math.Abs(u.X) < 0.9 ? (1.0, 0.0, 0.0) : (0.0, 1.0, 0.0);
        var a = Normalize(Cross(u, helper), "axis");
        var b = Cross(u, a);
        double el = elevationDegrees * Math.PI / 180;
        var cams = new List<Camera>(count);
        for (int i = 0; i < count; i++)
        {
            double phi = 2 * Math.PI * i / count;
            double ca = Math.Cos(el) * Math.Cos(phi), cb = Math.Cos(el) * Math.Sin(phi), cu = Math.Sin(el);
            var eye = (center.X + radius * (ca * a.X + cb * b.X + cu * u.X),
                       center.Y + radius * (ca * a.Y + cb * b.Y + cu * u.Y),
                       center.Z + radius * (ca * a.Z + cb * b.Z + cu * u.Z));
            cams.Add(Create(eye, center, u, width, height, fovYDegrees));
        }
        return cams;
    }

    /// <summary>
    /// <paramref name="count"/> orbit views framing <paramref name="scene"/> (<see cref="Orbit"/>): centred on the
    /// per-axis median of the Gaussian means (robust to stray floaters), at <paramref name="distance"/> times the median
    /// distance of the means from that centre (at least 1e-3).
    /// </summary>
    /// <exception cref="ArgumentException">The scene has no Gaussians, or <paramref name="up"/> is zero.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="distance"/> is not positive, or <paramref name="count"/> &lt; 1.</exception>
    public static IReadOnlyList<Camera> OrbitScene(GaussianScene scene, int count, int width, int height, (double X, double Y, double Z) up,
                                                   double distance = 3, double elevationDegrees = 20, double fovYDegrees = 50)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (scene.Count == 0) throw new ArgumentException("Cannot frame orbit views: the scene has no Gaussians.", nameof(scene));
        if (!(distance > 0) || !double.IsFinite(distance)) throw new ArgumentOutOfRangeException(nameof(distance), $"Orbit distance must be positive and finite, got {distance}.");
        var (center, extent) = RobustCenterAndExtent(scene);
        return Orbit(center, distance * extent, up, count, width, height, elevationDegrees, fovYDegrees);
    }

    /// <summary>The per-axis median of the means and the median distance of the means from it (at least 1e-3).</summary>
    internal static ((double X, double Y, double Z) Center, double Extent) RobustCenterAndExtent(GaussianScene scene)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var means = scene.Means.detach().to(torch.CPU).to(torch.ScalarType.Float32);
        var c = new double[3];
        for (int i = 0; i < 3; i++) c[i] = means[.., i].median().item<float>();
        var center = torch.tensor(c.Select(v => (float)v).ToArray());
        double extent = Math.Max(1e-3, (means - center).norm(1).median().item<float>());
        return ((c[0], c[1], c[2]), extent);
    }

    private static (double X, double Y, double Z) Sub((double X, double Y, double Z) a, (double X, double Y, double Z) b) => (a.X - b.X, a.Y - b.Y, a.Z - b.Z);
    private static (double X, double Y, double Z) Cross((double X, double Y, double Z) a, (double X, double Y, double Z) b) =>
        (a.Y * b.Z - a.Z * b.Y, a.Z * b.X - a.X * b.Z, a.X * b.Y - a.Y * b.X);
    private static (double X, double Y, double Z) Normalize((double X, double Y, double Z) v, string what)
    {
        double n = Math.Sqrt(v.X * v.X + v.Y * v.Y + v.Z * v.Z);
        if (!(n > 1e-12) || !double.IsFinite(n)) throw new ArgumentException($"Cannot build a look-at camera: {what} has zero or non-finite length.");
        return (v.X / n, v.Y / n, v.Z / n);
    }
}
