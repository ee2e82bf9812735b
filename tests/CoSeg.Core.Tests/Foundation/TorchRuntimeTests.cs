using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Foundation;

/// <summary>Proves the TorchSharp native runtime loads on this machine (the libstdc++ compatibility fix) and that
/// custom autograd functions work, since the rasterizer bridge depends on both.</summary>
public class TorchRuntimeTests
{
    [Fact]
    public void TensorOpsRunAndAgreeWithClosedForm()
    {
        using var scope = NewDisposeScope();
        var a = arange(1, 11, dtype: float64);          // 1..10
        var s = (a * a).sum().item<double>();           // Σ k² = n(n+1)(2n+1)/6
        Assert.Equal(385.0, s, 12);
        var m = matmul(eye(3, dtype: float32) * 2, ones(3, 2));
        Assert.Equal(new long[] { 3, 2 }, m.shape);
        Assert.Equal(12f, m.sum().item<float>());
    }

    private sealed class CubeFunction : autograd.SingleTensorFunction<CubeFunction>
    {
        public override string Name => "Cube";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            ctx.save_for_backward(new() { x });
            return x * x * x;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var x = ctx.get_saved_variables()[0];
            return new() { gradOutput * 3 * x * x };
        }
    }

    [Fact]
    public void CustomAutogradFunctionMatchesBuiltInGradient()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { -1.5, 0.25, 2.0 }, requires_grad: true);
        var y = CubeFunction.apply(x).sum();
        y.backward();
        var expected = new[] { 3 * 2.25, 3 * 0.0625, 3 * 4.0 };
        var g = x.grad!.data<double>().ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], g[i], 12);
    }
}
