using CoSeg.Geometry;

namespace CoSeg.Reconstruction;

/// <summary>
/// The reference trainer's notion of scene size: 1.1 × the largest distance of a camera centre from the centroid of all
/// camera centres (NeRF++ normalisation). Position learning rates and densification thresholds scale with it.
/// </summary>
public static class SceneExtent
{
    /// <summary>Centroid of the camera centres and the extent; a degenerate rig (one camera, all centres equal) gets extent 1.</summary>
    public static ((double X, double Y, double Z) Center, double Extent) FromCameras(IReadOnlyList<Camera> cameras)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        if (cameras.Count == 0) throw new ArgumentException("At least one camera is needed to compute the scene extent.", nameof(cameras));
        double sx = 0, sy = 0, sz = 0;
        foreach (var c in cameras) { var p = c.Center; sx += p.X; sy += p.Y; sz += p.Z; }
        var center = (sx / cameras.Count, sy / cameras.Count, sz / cameras.Count);
        double max = 0;
        foreach (var c in cameras)
        {
            var p = c.Center;
            max = Math.Max(max, Math.Sqrt(Math.Pow(p.X - center.Item1, 2) + Math.Pow(p.Y - center.Item2, 2) + Math.Pow(p.Z - center.Item3, 2)));
        }
        double extent = 1.1 * max;
        return (center, extent > 1e-9 ? extent : 1.0);
    }
}
