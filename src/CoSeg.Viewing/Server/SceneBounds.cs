using CoSeg.Gaussians;
using CoSeg.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Viewing.Server;

/// <summary>Where to look and which way is up: robust scene centre/radius and the cameras' mean up direction.</summary>
internal static class SceneBounds
{
    /// <summary>Per-axis median of the means and the 90th percentile of the distances to it (floaters do not count).</summary>
    public static ((double X, double Y, double Z) Center, double Radius) Robust(GaussianScene scene)
    {
        if (scene.Count == 0) return ((0, 0, 0), 1);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var m = scene.Means.detach().to(ScalarType.Float32);
        if (m.shape[0] > 200_000) m = m.index_select(0, torch.arange(0, m.shape[0], m.shape[0] / 200_000));
        var c = m.quantile(torch.tensor(0.5f), dim: 0).squeeze(0);
        var d = (m - c).norm(1);
        double r = d.quantile(torch.tensor(0.9f)).item<float>();
        var cc = c.data<float>().ToArray();
        return ((cc[0], cc[1], cc[2]), r > 1e-9 && double.IsFinite(r) ? r : 1);
    }

    /// <summary>The normalised mean of the cameras' up directions (−Y camera axis in world space), or +Z without cameras.</summary>
    public static (double X, double Y, double Z) UpFromCameras(IReadOnlyList<Camera> cameras)
    {
        double x = 0, y = 0, z = 0;
        foreach (var cam in cameras)
        {
            var r = cam.Rotation; // rows: right, down, forward (world → camera)
            x -= r[3]; y -= r[4]; z -= r[5];
        }
        double n = Math.Sqrt(x * x + y * y + z * z);
        return n > 1e-6 ? (x / n, y / n, z / n) : (0, 0, 1);
    }
}
