using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering;

/// <summary>Per-call data of <see cref="ChannelRenderFunction"/>: the geometry, the view and the backend's forward result.</summary>
internal sealed class ChannelRenderCall(FrozenGeometry geometry, ProjectionParams view, System.Diagnostics.Stopwatch? backwardClock = null)
{
    /// <summary>Runs while the backend's channel backward runs (profiling), or null.</summary>
    public System.Diagnostics.Stopwatch? BackwardClock { get; } = backwardClock;
    public FrozenGeometry Geometry { get; } = geometry;
    public ProjectionParams View { get; } = view;
    public RasterForward? Forward { get; set; }
}

/// <summary>
/// torch autograd bridge for frozen-geometry rendering: forward (ChannelRenderCall, channels N×C) → [image H×W×C,
/// alpha H×W]; backward returns dL/dchannels through the backend's channels-only backward (alpha has no gradient
/// with respect to the channels).
/// </summary>
internal sealed class ChannelRenderFunction : autograd.MultiTensorFunction<ChannelRenderFunction>
{
    public override string Name => "CoSegRenderChannels";

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var call = (ChannelRenderCall)vars[0];
        var colors = ((Tensor)vars[1]).to(ScalarType.Float32).contiguous();
        var fwd = call.Geometry.ForwardWith(colors, call.View);
        call.Forward = fwd;
        fwd.Depth.Dispose(); fwd.Radii.Dispose();   // not outputs of this function
        ctx.save_for_backward(new List<Tensor> { colors });
        ctx.save_data("call", call);
        ctx.set_materialize_grads(false);
        return new List<Tensor> { fwd.Colors, fwd.Alpha };
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var call = (ChannelRenderCall)ctx.get_data("call");
        var colors = ctx.get_saved_variables()[0];
        try
        {
            if (grad_outputs.Count == 0 || grad_outputs[0] is not { IsInvalid: false } g) return new List<Tensor> { null!, zeros_like(colors) };
            call.BackwardClock?.Start();
            try { return new List<Tensor> { null!, call.Geometry.BackwardChannelsWith(colors, call.View, call.Forward!, g.contiguous()) }; }
            finally { call.BackwardClock?.Stop(); }
        }
        finally { call.Forward!.State?.Dispose(); }   // one backward per render: give the backend's buffers back now
    }
}
