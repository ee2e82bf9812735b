using CoSeg.Geometry;

namespace CoSeg.Tests.Geometry;

public class QuaternionTests
{
    [Fact]
    public void NinetyDegreesAboutZ_MapsXToY()
    {
        double h = Math.Sqrt(0.5);
        var r = Quaternions.ToRotationMatrix(h, 0, 0, h); // closed form: cos 45°, sin 45° · z
        double[] expected = { 0, -1, 0, 1, 0, 0, 0, 0, 1 };
        for (int i = 0; i < 9; i++) Assert.Equal(expected[i], r[i], 12);
        var q = Quaternions.FromRotationMatrix(expected);
        Assert.Equal(h, q.W, 12); Assert.Equal(0, q.X, 12); Assert.Equal(0, q.Y, 12); Assert.Equal(h, q.Z, 12);
    }

    [Fact]
    public void MatrixQuaternionRoundTrip_RandomRotations_IncludingNearHalfTurns()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 500; trial++)
        {
            double w = rng.NextDouble() * 2 - 1, x = rng.NextDouble() * 2 - 1, y = rng.NextDouble() * 2 - 1, z = rng.NextDouble() * 2 - 1;
            if (trial % 50 == 0) w = 1e-9; // half turns exercise the non-trace branches
            var q = Quaternions.Normalize(w, x, y, z);
            if (q.W < 0) q = (-q.W, -q.X, -q.Y, -q.Z);
            var m = Quaternions.ToRotationMatrix(q.W, q.X, q.Y, q.Z);
            Assert.Equal(1.0, RotationMatrices.Determinant(m), 9);
            var back = Quaternions.FromRotationMatrix(m);
            // q and −q are the same rotation; compare the matrices to be sign-agnostic, and the quaternion up to sign.
            var m2 = Quaternions.ToRotationMatrix(back.W, back.X, back.Y, back.Z);
            for (int i = 0; i < 9; i++) Assert.Equal(m[i], m2[i], 9);
            double dot = q.W * back.W + q.X * back.X + q.Y * back.Y + q.Z * back.Z;
            Assert.Equal(1.0, Math.Abs(dot), 9);
        }
    }

    [Fact]
    public void HamiltonProduct_MatchesMatrixProduct()
    {
        var a = Quaternions.Normalize(0.3, -0.2, 0.9, 0.1);
        var b = Quaternions.Normalize(-0.5, 0.4, 0.1, 0.7);
        var ab = Quaternions.Multiply(a, b);
        var mab = Quaternions.ToRotationMatrix(ab.W, ab.X, ab.Y, ab.Z);
        var expected = RotationMatrices.Multiply(Quaternions.ToRotationMatrix(a.W, a.X, a.Y, a.Z), Quaternions.ToRotationMatrix(b.W, b.X, b.Y, b.Z));
        for (int i = 0; i < 9; i++) Assert.Equal(expected[i], mab[i], 12);
    }

    [Fact]
    public void NonRotationMatrix_IsRejected()
    {
        double[] reflection = { 1, 0, 0, 0, 1, 0, 0, 0, -1 };
        var e = Assert.Throws<ArgumentException>(() => Quaternions.FromRotationMatrix(reflection));
        Assert.Contains("determinant", e.Message);
        Assert.Throws<ArgumentException>(() => Quaternions.Normalize(0, 0, 0, 0));
    }
}
