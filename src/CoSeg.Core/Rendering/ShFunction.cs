using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>
/// torch autograd bridge over a backend's SH evaluation (<see cref="IRasterizerBackend.ShForward"/>). Forward arguments:
/// (backend, camera centre, degree, SH coefficients N×K×3, means N×3); output: [colours N×3]. Backward returns
/// gradients for the coefficients and means.
/// </summary>
internal sealed class ShFunction : autograd.MultiTensorFunction<ShFunction>
{
    public override string Name => "CoSegSphericalHarmonics";

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var backend = (IRasterizerBackend)vars[0];
        var centre = ((double X, double Y, double Z))vars[1];
        int degree = (int)vars[2];
        var sh = (Tensor)vars[3];
        var means = (Tensor)vars[4];
        ctx.save_for_backward(new List<Tensor> { sh, means });
        ctx.save_data("backend", backend);
        ctx.save_data("centre", centre);
        ctx.save_data("degree", degree);
        return new List<Tensor> { backend.ShForward(sh, means, centre, degree) };
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var saved = ctx.get_saved_variables();
        var backend = (IRasterizerBackend)ctx.get_data("backend");
        var gSh = zeros_like(saved[0]);
        var gMeans = zeros_like(saved[1]);
        backend.ShBackward(saved[0], saved[1], ((double X, double Y, double Z))ctx.get_data("centre"), (int)ctx.get_data("degree"),
                           grad_outputs[0].contiguous(), gSh, gMeans);
        return new List<Tensor> { null!, null!, null!, gSh, gMeans };
    }
}
