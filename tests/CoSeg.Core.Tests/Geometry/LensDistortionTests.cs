using CoSeg.Geometry;

namespace CoSeg.Tests.Geometry;

/// <summary>The lens models against their closed forms, and the iterative inverse against the forward map.</summary>
public class LensDistortionTests
{
    [Fact]
    public void RadialTangential_MatchesClosedForm()
    {
        var d = new RadialTangentialDistortion(k1: -0.2, k2: 0.05, p1: 0.01, p2: -0.02, k3: 0.003);
        double x = 0.3, y = -0.2, r2 = x * x + y * y;
        double radial = 1 - 0.2 * r2 + 0.05 * r2 * r2 + 0.003 * r2 * r2 * r2;
        var (xd, yd) = d.Distort(x, y);
        Assert.Equal(x * radial + 2 * 0.01 * x * y - 0.02 * (r2 + 2 * x * x), xd, 12);
        Assert.Equal(y * radial + 0.01 * (r2 + 2 * y * y) + 2 * -0.02 * x * y, yd, 12);
    }

    [Fact]
    public void FullOpenCv_RationalDenominator()
    {
        var d = new RadialTangentialDistortion(k1: 0.1, k4: 0.2, k5: -0.05, k6: 0.01, modelName: "FULL_OPENCV");
        double r2 = 0.25;
        var (xd, _) = d.Distort(0.5, 0);
        Assert.Equal(0.5 * (1 + 0.1 * r2) / (1 + 0.2 * r2 - 0.05 * r2 * r2 + 0.01 * r2 * r2 * r2), xd, 12);
    }

    [Fact]
    public void Fisheye_IsEquidistant()
    {
        var d = new FisheyeDistortion();
        var (xd, yd) = d.Distort(0.6, 0.8); // r = 1 → θ = π/4
        Assert.Equal(Math.PI / 4 * 0.6, xd, 12);
        Assert.Equal(Math.PI / 4 * 0.8, yd, 12);
        var k = new FisheyeDistortion(0.1, -0.02, 0.003, -0.0004);
        double t = Math.Atan(0.5), td = t * (1 + 0.1 * t * t - 0.02 * Math.Pow(t, 4) + 0.003 * Math.Pow(t, 6) - 0.0004 * Math.Pow(t, 8));
        Assert.Equal(td, k.Distort(0.5, 0).X, 12);
    }

    public static TheoryData<string> Models => new() { "OPENCV", "FULL_OPENCV", "NERFSTUDIO_K4", "FISHEYE" };

    private static LensDistortion Make(string m) => m switch
    {
        "OPENCV" => new RadialTangentialDistortion(-0.25, 0.08, 0.002, -0.003),
        "FULL_OPENCV" => new RadialTangentialDistortion(-0.2, 0.05, 0.001, 0.002, 0.01, 0.05, -0.01, 0.002, modelName: "FULL_OPENCV"),
        "NERFSTUDIO_K4" => new RadialTangentialDistortion(0.1, -0.02, 0, 0, 0.004, r8: -0.001),
        _ => new FisheyeDistortion(0.05, -0.01, 0.002, -0.0003),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Undistort_InvertsDistort(string model)
    {
        var d = Make(model);
        for (double x = -0.5; x <= 0.5; x += 0.125)
            for (double y = -0.4; y <= 0.4; y += 0.1)
            {
                var (xd, yd) = d.Distort(x, y);
                var (ux, uy) = d.Undistort(xd, yd);
                Assert.Equal(x, ux, 9);
                Assert.Equal(y, uy, 9);
            }
    }

    [Fact]
    public void NonFiniteCoefficient_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new RadialTangentialDistortion(double.NaN));
        Assert.Contains("k1", e.Message);
    }
}
