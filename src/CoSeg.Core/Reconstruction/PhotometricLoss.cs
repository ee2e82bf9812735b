using CoSeg.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Reconstruction;

/// <summary>
/// The training loss L = (1−λ)·L1 + λ·(1−SSIM) of an H×W×3 render and its gradient with respect to the render: one
/// fused native pass (separable SSIM window, coseg_l1_ssim) when libcoseg_native is loaded, else TorchSharp autograd
/// through <see cref="MeanAbsoluteError.Loss"/> and <see cref="Ssim.Loss"/> (the definitions the native pass matches).
/// </summary>
internal static class PhotometricLoss
{
    /// <summary>Writes dL/dimage into <paramref name="grad"/> and returns the loss and the MSE of the render.</summary>
    public static (double Loss, double Mse) Compute(Tensor image, Tensor target, double ssimWeight, Tensor grad)
    {
        if (NativeImageLoss.Available && NativeImageLoss.Fits(image) && NativeImageLoss.Fits(target) && NativeImageLoss.Fits(grad))
        {
            var r = NativeImageLoss.L1Ssim(image, target, ssimWeight, grad);
            return (r.Loss, r.Mse);
        }
        using var scope = NewDisposeScope();
        using var enable = enable_grad();
        var x = image.detach().requires_grad_(true);
        var loss = (1 - ssimWeight) * MeanAbsoluteError.Loss(x, target) + ssimWeight * (1 - Ssim.Loss(x, target));
        var g = autograd.grad(new List<Tensor> { loss }, new List<Tensor> { x });
        using var noGrad = no_grad();
        grad.copy_(g[0]);
        double mse = (image.detach() - target).square().mean().item<float>();
        return (loss.item<float>(), mse);
    }
}
