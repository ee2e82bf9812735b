using CoSeg.Gaussians;
using CoSeg.Geometry;
using CoSeg.Rendering;
using static TorchSharp.torch;

namespace CoSeg.Segmentation.Benchmark;

/// <summary>Options of <see cref="SyntheticSegmentationScene"/>.</summary>
public sealed record SyntheticSceneOptions
{
    /// <summary>Number of objects on the ground (the ground is one more segment).</summary>
    public int Objects { get; init; } = 7;
    /// <summary>Approximate Gaussians per unit of object surface area.</summary>
    public double Density { get; init; } = 900;
    /// <summary>Training views.</summary>
    public int TrainViews { get; init; } = 24;
    /// <summary>Held-out test views (other azimuths and elevations).</summary>
    public int TestViews { get; init; } = 12;
    /// <summary>Image size (square).</summary>
    public int ImageSize { get; init; } = 96;
    /// <summary>Random seed of the layout, colours and cameras.</summary>
    public int Seed { get; init; } = 0;
}

/// <summary>
/// A benchmark scene with exact ground truth, built directly as Gaussians (no reconstruction): a ground disc
/// (segment 1) and several ellipsoids and boxes (segments 2..M), some sharing a colour so that colour alone cannot
/// separate them, each textured with stripes and jitter. Train and test cameras look at the centre from a ring of
/// positions; RGB images come from rendering SH colours, ground-truth labels from rendering one-hot membership and
/// taking the argmax (0 where the rendered opacity is below 0.5).
/// </summary>
public sealed class SyntheticSegmentationScene : IDisposable
{
    private SyntheticSegmentationScene(GaussianScene scene, int[] membership, int segments,
        List<SegmentationView> train, List<SegmentationView> test, List<int[]> trainGt, List<int[]> testGt)
    {
        Scene = scene; Membership = membership; Segments = segments;
        TrainViews = train; TestViews = test; TrainGroundTruth = trainGt; TestGroundTruth = testGt;
    }

    /// <summary>The Gaussians.</summary>
    public GaussianScene Scene { get; }
    /// <summary>Per-Gaussian true segment id in 1..<see cref="Segments"/>.</summary>
    public int[] Membership { get; }
    /// <summary>Number of segments M (ids 1..M).</summary>
    public int Segments { get; }
    /// <summary>Training views with RGB images.</summary>
    public IReadOnlyList<SegmentationView> TrainViews { get; }
    /// <summary>Held-out views with RGB images.</summary>
    public IReadOnlyList<SegmentationView> TestViews { get; }
    /// <summary>Clean label maps of the training views (H·W, row-major).</summary>
    public IReadOnlyList<int[]> TrainGroundTruth { get; }
    /// <summary>Clean label maps of the test views.</summary>
    public IReadOnlyList<int[]> TestGroundTruth { get; }

    /// <summary>Builds the scene and renders all views.</summary>
    public static SyntheticSegmentationScene Create(SyntheticSceneOptions? options = null)
    {
        var o = options ?? new SyntheticSceneOptions();
        if (o.Objects < 1 || o.TrainViews < 1 || o.TestViews < 1 || o.ImageSize < 16 || !(o.Density > 0))
            throw new ArgumentException("invalid synthetic scene options (need ≥ 1 object and view, image ≥ 16 px, density > 0).", nameof(options));
        var rng = new Random(o.Seed);
        var pos = new List<float>(); var col = new List<float>(); var scl = new List<float>(); var mem = new List<int>();
        void Add(double x, double y, double z, double r, double g, double b, double s, int id)
        {
            pos.Add((float)x); pos.Add((float)y); pos.Add((float)z);
            col.Add((float)Math.Clamp(r, 0, 1)); col.Add((float)Math.Clamp(g, 0, 1)); col.Add((float)Math.Clamp(b, 0, 1));
            scl.Add((float)s); mem.Add(id);
        }
        double Jit() => (rng.NextDouble() - 0.5) * 0.12;
        // Ground disc of radius 2.2 at z = 0, grey checker.
        int groundCount = (int)(o.Density * Math.PI * 2.2 * 2.2 * 0.35);
        double groundSpacing = Math.Sqrt(Math.PI * 2.2 * 2.2 / groundCount);
        for (int i = 0; i < groundCount; i++)
        {
            double rr = 2.2 * Math.Sqrt(rng.NextDouble()), a = rng.NextDouble() * 2 * Math.PI;
            double x = rr * Math.Cos(a), y = rr * Math.Sin(a);
            double checker = ((int)Math.Floor(x * 2) + (int)Math.Floor(y * 2)) % 2 == 0 ? 0.55 : 0.45;
            Add(x, y, 0, checker + Jit(), checker + Jit(), checker + Jit(), groundSpacing * 0.8, 1);
        }
        // Palette with deliberate repeats (objects 1&4 and 2&6 share colours).
        double[][] palette = { new[] { 0.85, 0.2, 0.2 }, new[] { 0.2, 0.6, 0.85 }, new[] { 0.9, 0.8, 0.2 }, new[] { 0.85, 0.2, 0.2 },
                               new[] { 0.3, 0.75, 0.3 }, new[] { 0.2, 0.6, 0.85 }, new[] { 0.7, 0.35, 0.8 }, new[] { 0.95, 0.55, 0.15 } };
        for (int k = 0; k < o.Objects; k++)
        {
            int id = k + 2;
            double ang = 2 * Math.PI * k / o.Objects + (rng.NextDouble() - 0.5) * 0.3;
            double ring = 1.0 + 0.35 * rng.NextDouble();
            double cx = ring * Math.Cos(ang), cy = ring * Math.Sin(ang);
            double ax = 0.22 + 0.15 * rng.NextDouble(), ay = 0.22 + 0.15 * rng.NextDouble(), az = 0.25 + 0.3 * rng.NextDouble();
            var c = palette[k % palette.Length];
            double stripeFreq = 6 + 6 * rng.NextDouble();
            bool box = k % 2 == 1;
            double area = box ? 8 * (ax * ay + ay * az + ax * az) : 4 * Math.PI * Math.Pow((ax * ay + ay * az + ax * az) / 3, 1.0);
            int count = (int)(o.Density * area);
            double spacing = Math.Sqrt(area / count);
            for (int i = 0; i < count; i++)
            {
                double x, y, z;
                if (box)
                {
                    // uniform on the surface: pick a face by area
                    double[] faces = { ay * az, ay * az, ax * az, ax * az, ax * ay, ax * ay };
                    double u = rng.NextDouble() * faces.Sum(); int f = 0;
                    while (u > faces[f]) { u -= faces[f]; f++; }
                    double s1 = 2 * rng.NextDouble() - 1, s2 = 2 * rng.NextDouble() - 1;
                    (x, y, z) = f switch
                    {
                        0 => (ax, s1 * ay, s2 * az), 1 => (-ax, s1 * ay, s2 * az),
                        2 => (s1 * ax, ay, s2 * az), 3 => (s1 * ax, -ay, s2 * az),
                        4 => (s1 * ax, s2 * ay, az), _ => (s1 * ax, s2 * ay, -az),
                    };
                }
                else
                {
                    double zz = 2 * rng.NextDouble() - 1, t = 2 * Math.PI * rng.NextDouble(), rxy = Math.Sqrt(1 - zz * zz);
                    (x, y, z) = (ax * rxy * Math.Cos(t), ay * rxy * Math.Sin(t), az * zz);
                }
                double stripe = Math.Sin(stripeFreq * z) > 0.3 ? 0.75 : 1.0;
                Add(cx + x, cy + y, az + z + 0.01, c[0] * stripe + Jit(), c[1] * stripe + Jit(), c[2] * stripe + Jit(), spacing * 0.8, id);
            }
        }
        int n = mem.Count;
        // Tensors are made in their final shape or inside a dispose scope: a chained temporary outside a scope can be
        // finalized by the GC while the next native call still uses it.
        var means = tensor(pos.ToArray(), new long[] { n, 3 });
        Tensor logScales, dc;
        using (NewDisposeScope())
        {
            logScales = tensor(scl.Select(s => MathF.Log(s)).ToArray(), new long[] { n, 1 }).repeat(1, 3).contiguous().DetachFromDisposeScope();
            const double c0 = 0.28209479177387814;
            dc = ((tensor(col.ToArray(), new long[] { n, 1, 3 }) - 0.5) / c0).to(ScalarType.Float32).contiguous().DetachFromDisposeScope();
        }
        var rots = zeros(n, 4); rots[TensorIndex.Colon, 0] = 1;
        var opac = full(n, 3.0f);
        var scene = new GaussianScene(means, logScales, rots, opac, dc);
        var membership = mem.ToArray();
        int segments = o.Objects + 1;

        using var geometry = new FrozenGeometry(scene, "auto");
        using var rgb = tensor(col.ToArray(), new long[] { n, 3 });
        Tensor oneHotT;
        using (NewDisposeScope())
            oneHotT = nn.functional.one_hot(tensor(membership.Select(m => (long)m).ToArray()), segments + 1).to(ScalarType.Float32).DetachFromDisposeScope();
        using var oneHot = oneHotT;
        var train = new List<SegmentationView>(); var test = new List<SegmentationView>();
        var trainGt = new List<int[]>(); var testGt = new List<int[]>();
        for (int v = 0; v < o.TrainViews + o.TestViews; v++)
        {
            bool isTrain = v < o.TrainViews;
            // Train: elevation 25–55°, azimuth spread over 300° of the ring; test: in-between azimuths, other elevations.
            double az = isTrain ? 2 * Math.PI * (v + 0.3 * rng.NextDouble()) / o.TrainViews
                                : 2 * Math.PI * (v - o.TrainViews + 0.5) / o.TestViews;
            double el = (isTrain ? 25 + 30 * rng.NextDouble() : 18 + 50 * rng.NextDouble()) * Math.PI / 180;
            double dist = isTrain ? 4.6 : 4.2 + 0.8 * rng.NextDouble();
            var cam = LookAt(dist * Math.Cos(el) * Math.Cos(az), dist * Math.Cos(el) * Math.Sin(az), dist * Math.Sin(el) + 0.2,
                             0, 0, 0.25, o.ImageSize, 50, $"{(isTrain ? "train" : "test")}_{v:D3}");
            var proj = geometry.View(cam);
            var (img, alpha) = geometry.Render(rgb, proj);
            var (lab, _) = geometry.Render(oneHot, proj);
            using var labD = lab;
            using var alphaD = alpha;
            using var arg = lab.argmax(2);
            using var covered = alpha.ge(0.5);
            using var gtT = arg.where(covered, 0L).to(ScalarType.Int32).reshape(-1);
            var gt = gtT.data<int>().ToArray();
            var view = new SegmentationView(cam.Name!, cam, img);
            if (isTrain) { train.Add(view); trainGt.Add(gt); } else { test.Add(view); testGt.Add(gt); }
        }
        return new SyntheticSegmentationScene(scene, membership, segments, train, test, trainGt, testGt);
    }

    /// <summary>An OpenCV camera at <c>eye</c> looking at <c>target</c> with world +Z up.</summary>
    internal static Camera LookAt(double ex, double ey, double ez, double tx, double ty, double tz, int size, double fovDeg, string name)
    {
        double fx = tx - ex, fy = ty - ey, fz = tz - ez, fn = Math.Sqrt(fx * fx + fy * fy + fz * fz);
        fx /= fn; fy /= fn; fz /= fn;
        // right = forward × up, down = forward × right
        double rx = fy * 1 - fz * 0, ry = fz * 0 - fx * 1, rz = 0.0, rn = Math.Sqrt(rx * rx + ry * ry + rz * rz);
        rx /= rn; ry /= rn; rz /= rn;
        double dx = fy * rz - fz * ry, dy = fz * rx - fx * rz, dz = fx * ry - fy * rx;
        double[] r = { rx, ry, rz, dx, dy, dz, fx, fy, fz };
        double[] t = { -(rx * ex + ry * ey + rz * ez), -(dx * ex + dy * ey + dz * ez), -(fx * ex + fy * ey + fz * ez) };
        double f = 0.5 * size / Math.Tan(fovDeg * Math.PI / 360);
        return new Camera(size, size, f, f, size / 2.0, size / 2.0, r, t, name);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Scene.Dispose();
        foreach (var v in TrainViews.Concat(TestViews)) v.Image?.Dispose();
    }
}
