using static TorchSharp.torch;

namespace CoSeg.Evaluation;

/// <summary>The L1 image distance: mean absolute difference over all pixels and channels.</summary>
public static class MeanAbsoluteError
{
    /// <summary>Differentiable L1 loss (a scalar tensor) between two images of the same shape.</summary>
    /// <param name="prediction">Rendered image (may require grad).</param>
    /// <param name="target">Ground-truth image.</param>
    public static Tensor Loss(Tensor prediction, Tensor target)
    {
        ImageMetricsLayout.CheckPair(prediction, target, "L1");
        return (prediction - target).abs().mean();
    }

    /// <summary>L1 distance as a number.</summary>
    /// <param name="prediction">Rendered image.</param>
    /// <param name="target">Ground-truth image.</param>
    public static double Compute(Tensor prediction, Tensor target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Loss(prediction.to_type(ScalarType.Float64), target.to_type(ScalarType.Float64)).item<double>();
    }
}
