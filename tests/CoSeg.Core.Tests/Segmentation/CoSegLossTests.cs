using CoSeg.Segmentation;
using static TorchSharp.torch;

namespace CoSeg.Tests.Segmentation;

public class CoSegLossTests
{
    private static double[] Softmax(double[] z) { var e = z.Select(Math.Exp).ToArray(); double s = e.Sum(); return e.Select(v => v / s).ToArray(); }

    private static readonly float[,] L = { { 1, 2, 0.5f }, { -1, 0, 3 }, { 0.2f, 0.1f, 0 } };
    private static readonly long[] Y = { 1, 0, 2 };

    [Theory]
    [InlineData(PixelLossKind.CrossEntropy)]
    [InlineData(PixelLossKind.SymmetricCrossEntropy)]
    [InlineData(PixelLossKind.GeneralizedCrossEntropy)]
    public void MatchesClosedFormAndIgnoresLabelZero(PixelLossKind kind)
    {
        using var logits = tensor(new float[] { 1, 2, 0.5f, -1, 0, 3, 0.2f, 0.1f, 0 }).reshape(3, 3);
        using var labels = tensor(Y);
        double beta = 0.5, q = 0.7, expect = 0;
        int[] rows = { 0, 2 };   // row 1 has label 0
        foreach (int r in rows)
        {
            var p = Softmax(new double[] { L[r, 0], L[r, 1], L[r, 2] });
            double py = p[Y[r]];
            expect += kind switch
            {
                PixelLossKind.CrossEntropy => -Math.Log(py),
                PixelLossKind.SymmetricCrossEntropy => -Math.Log(py) + beta * -(p.Select((pk, k) => k == Y[r] ? 0 : pk * -4.0).Sum()),
                _ => (1 - Math.Pow(py, q)) / q,
            };
        }
        expect /= rows.Length;
        using var loss = CoSegLoss.Pixel(logits, labels, kind, beta, q);
        Assert.Equal(expect, loss.item<float>(), 5);
    }

    [Fact]
    public void AllIgnoredGivesZero()
    {
        using var logits = randn(4, 3, requires_grad: true);
        using var loss = CoSegLoss.Pixel(logits, zeros(4, dtype: ScalarType.Int64), PixelLossKind.SymmetricCrossEntropy);
        Assert.Equal(0f, loss.item<float>());
    }

    [Fact]
    public void NeighborKlMatchesClosedForm()
    {
        using var c = tensor(new float[] { 1, 0, -1 }).reshape(1, 3);
        using var nb = tensor(new float[] { 1, 0, -1, 0, 2, 0 }).reshape(1, 2, 3);
        var p = Softmax(new double[] { 1, 0, -1 }); var q2 = Softmax(new double[] { 0, 2, 0 });
        double kl2 = p.Zip(q2).Sum(t => t.First * Math.Log(t.First / t.Second));
        using var kl = CoSegLoss.NeighborKl(c, nb);
        Assert.Equal((0 + kl2) / 2, kl.item<float>(), 5);
    }
}
