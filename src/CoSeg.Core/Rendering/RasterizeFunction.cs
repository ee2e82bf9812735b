using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>
/// Per-call data of one rasterization: the backend, camera and settings going in, and the non-differentiable
/// outputs (radii, backend state) coming out. Passed as a non-tensor argument of <see cref="RasterizeFunction"/>.
/// </summary>
internal sealed class RasterCall(IRasterizerBackend backend, ProjectionParams view)
{
    public IRasterizerBackend Backend { get; } = backend;
    public ProjectionParams View { get; } = view;
    /// <summary>The backend's forward result (its colour/alpha/depth tensors are the function's outputs).</summary>
    public RasterForward? Forward { get; set; }
}

/// <summary>
/// torch autograd bridge over a rasterizer backend. Forward arguments:
/// (RasterCall, means N×3, scales N×3, quats N×4, opacities N, colors N×C, means2d probe N×2);
/// outputs: [colors H×W×C, alpha H×W, depth H×W]. Backward returns one gradient per argument
/// (null for the RasterCall); the probe's gradient is dL/d(mean2d) in pixels.
/// </summary>
internal sealed class RasterizeFunction : autograd.MultiTensorFunction<RasterizeFunction>
{
    public override string Name => "CoSegRasterize";

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var call = (RasterCall)vars[0];
        var inputs = new RasterInputs((Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], (Tensor)vars[4], (Tensor)vars[5]);
        var fwd = call.Backend.Forward(inputs, call.View);
        call.Forward = fwd;
        ctx.save_for_backward(new List<Tensor> { inputs.Means, inputs.Scales, inputs.Quats, inputs.Opacities, inputs.Colors });
        ctx.save_data("call", call);
        // Unused outputs get no gradient (rather than zeros built from cached outputs, which callers may have disposed).
        ctx.set_materialize_grads(false);
        return new List<Tensor> { fwd.Colors, fwd.Alpha, fwd.Depth };
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var call = (RasterCall)ctx.get_data("call");
        var saved = ctx.get_saved_variables();
        var inputs = new RasterInputs(saved[0], saved[1], saved[2], saved[3], saved[4]);
        static Tensor? Defined(List<Tensor> list, int i) => i < list.Count && list[i] is { IsInvalid: false } t ? t.contiguous() : null;
        var gColors = Defined(grad_outputs, 0)
            ?? torch.zeros(call.View.Height, call.View.Width, inputs.Channels, dtype: inputs.Colors.dtype, device: inputs.Colors.device);
        var g = call.Backend.Backward(inputs, call.View, call.Forward!,
                                      gColors, Defined(grad_outputs, 1), Defined(grad_outputs, 2));
        // One backward per render (the training pattern): hand the backend's buffers back for reuse now.
        call.Forward!.State?.Dispose();
        return new List<Tensor> { null!, g.Means, g.Scales, g.Quats, g.Opacities, g.Colors, g.Means2d };
    }
}
