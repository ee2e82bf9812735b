using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Rendering.Reference;

/// <summary>
/// The oracle backend: docs/rasterizer.md written as dense TorchSharp maths over pixels × Gaussians
/// (memory O(H·W·N), small images only). The dtype follows the inputs (float32 or float64) so it can be
/// checked with float64 finite differences; its backward is torch autograd through the same maths.
/// </summary>
internal sealed class ReferenceRasterizer : IRasterizerBackend
{
    public string Name => "reference";

    /// <summary>Everything the dense forward produces, with the autograd graph when inputs require grad.</summary>
    internal sealed record Dense(Tensor Colors, Tensor Alpha, Tensor Depth, Tensor Radii, Tensor Weights, Tensor Order, Tensor Mean2d);

    public RasterForward Forward(RasterInputs inputs, ProjectionParams view)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var d = Compute(inputs, view, null);
        return new RasterForward(d.Colors.MoveToOuterDisposeScope(), d.Alpha.MoveToOuterDisposeScope(),
                                 d.Depth.MoveToOuterDisposeScope(), d.Radii.MoveToOuterDisposeScope(), null);
    }

    public RasterGradients Backward(RasterInputs inputs, ProjectionParams view, RasterForward forward,
                                    Tensor gradColors, Tensor? gradAlpha, Tensor? gradDepth)
    {
        using var enable = torch.enable_grad();
        var leaves = new[] { inputs.Means, inputs.Scales, inputs.Quats, inputs.Opacities, inputs.Colors }
            .Select(t => t.detach().clone().requires_grad_(true)).ToArray();
        var probe = torch.zeros(inputs.Count, 2, dtype: inputs.Means.dtype, device: inputs.Means.device).requires_grad_(true);
        using (var scope = torch.NewDisposeScope())
        {
            var d = Compute(new RasterInputs(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4]), view, probe);
            var loss = (d.Colors * gradColors).sum();
            if (gradAlpha is not null) loss = loss + (d.Alpha * gradAlpha).sum();
            if (gradDepth is not null) loss = loss + (d.Depth * gradDepth).sum();
            if (loss.requires_grad) loss.backward();
        }
        Tensor G(Tensor t) => t.grad is { } g ? g.detach().clone() : torch.zeros_like(t);
        var result = new RasterGradients(G(leaves[0]), G(leaves[1]), G(leaves[2]), G(leaves[3]), G(leaves[4]), G(probe));
        foreach (var l in leaves) l.Dispose();
        probe.Dispose();
        return result;
    }

    public Tensor BackwardChannels(RasterInputs inputs, ProjectionParams view, RasterForward forward, Tensor gradColors)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var geometry = inputs with { Colors = torch.zeros(inputs.Count, 1, dtype: inputs.Means.dtype, device: inputs.Means.device) };
        var d = Compute(geometry, view, null);
        int c = (int)gradColors.shape[^1];
        var perGaussian = d.Weights.t().matmul(gradColors.reshape(-1, c).to(d.Weights.dtype));   // N×C in depth order
        var g = torch.zeros(inputs.Count, c, dtype: inputs.Colors.dtype, device: inputs.Colors.device);
        g.index_add_(0, d.Order, perGaussian.to(g.dtype), 1);
        return g.MoveToOuterDisposeScope();
    }

    public void Unproject(RasterInputs inputs, ProjectionParams view, Tensor pixelFeatures, Tensor featureSums, Tensor weightSums)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var geometry = inputs with { Colors = torch.zeros(inputs.Count, 1, dtype: inputs.Means.dtype, device: inputs.Means.device) };
        var d = Compute(geometry, view, null);
        int c = (int)pixelFeatures.shape[^1];
        var f = pixelFeatures.reshape(-1, c).to(d.Weights.dtype);
        var perGaussian = d.Weights.t().matmul(f);                // N×C in depth order
        featureSums.index_add_(0, d.Order, perGaussian.to(featureSums.dtype), 1);
        weightSums.index_add_(0, d.Order, d.Weights.sum(dim: 0).to(weightSums.dtype), 1);
    }

    public void AccumulateWeights(RasterInputs inputs, ProjectionParams view, Tensor weightSums)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var geometry = inputs with { Colors = torch.zeros(inputs.Count, 1, dtype: inputs.Means.dtype, device: inputs.Means.device) };
        var d = Compute(geometry, view, null);
        weightSums.index_add_(0, d.Order, d.Weights.sum(dim: 0).to(weightSums.dtype), 1);
    }

    /// <summary>
    /// The dense forward. <paramref name="mean2dProbe"/> (N×2 zeros or null) is added to the projected means so
    /// autograd can report dL/dmean2d.
    /// </summary>
    internal static Dense Compute(RasterInputs inputs, ProjectionParams view, Tensor? mean2dProbe)
    {
        var dt = inputs.Means.dtype;
        var dev = inputs.Means.device;
        long n = inputs.Count;
        int w = view.Width, h = view.Height, ch = inputs.Channels;
        double fx = view.Fx, fy = view.Fy, cx = view.Cx, cy = view.Cy;

        var v = view.View;
        var rv = torch.tensor(new[] { v[0], v[1], v[2], v[4], v[5], v[6], v[8], v[9], v[10] }, dtype: ScalarType.Float32, device: dev).to(dt).reshape(3, 3);
        var tv = torch.tensor(new[] { v[3], v[7], v[11] }, dtype: ScalarType.Float32, device: dev).to(dt);
        var p = inputs.Means.matmul(rv.t()) + tv;
        var px = p[.., 0]; var py = p[.., 1]; var pz = p[.., 2];
        var zValid = (pz > view.Near).logical_and(pz < view.Far);
        var z = torch.where(zValid, pz, torch.ones_like(pz));   // safe divisor; culled ones are masked later

        // 3D covariance Σ = M Mᵀ, M = R(q̂)·diag(s), then camera space R Σ Rᵀ.
        var q = inputs.Quats / inputs.Quats.norm(1, keepdim: true);
        var qw = q[.., 0]; var qx = q[.., 1]; var qy = q[.., 2]; var qz = q[.., 3];
        var rq = torch.stack(new[]
        {
            1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qw * qz), 2 * (qx * qz + qw * qy),
            2 * (qx * qy + qw * qz), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qw * qx),
            2 * (qx * qz - qw * qy), 2 * (qy * qz + qw * qx), 1 - 2 * (qx * qx + qy * qy),
        }, 1).reshape(n, 3, 3);
        var m = rq * inputs.Scales.unsqueeze(1);
        var sigma = m.matmul(m.transpose(1, 2));
        var sigmaCam = rv.matmul(sigma).matmul(rv.t());

        // Clamped perspective Jacobian.
        double limXp = view.LimXp, limXn = view.LimXn, limYp = view.LimYp, limYn = view.LimYn;
        var tx = z * (px / z).clamp(-limXn, limXp);
        var ty = z * (py / z).clamp(-limYn, limYp);
        var zero = torch.zeros_like(z);
        var j = torch.stack(new[]
        {
            fx / z, zero, -fx * tx / (z * z),
            zero, fy / z, -fy * ty / (z * z),
        }, 1).reshape(n, 2, 3);
        var cov2 = j.matmul(sigmaCam).matmul(j.transpose(1, 2));
        var a = cov2[.., 0, 0] + view.LowPass;
        var b = cov2[.., 0, 1];
        var c = cov2[.., 1, 1] + view.LowPass;
        var det = a * c - b * b;
        var detValid = det > 0;
        var detSafe = torch.where(detValid, det, torch.ones_like(det));
        var conA = c / detSafe; var conB = -b / detSafe; var conC = a / detSafe;
        var mx = fx * px / z + cx; var my = fy * py / z + cy;
        var mean2d = torch.stack(new[] { mx, my }, 1);
        if (mean2dProbe is not null) mean2d = mean2d + mean2dProbe;

        // Radius and tile rectangle: integer bookkeeping, no gradient.
        Tensor radius, x0, x1, y0, y1, valid;
        int tilesX = view.TilesX, tilesY = view.TilesY;
        using (torch.no_grad())
        {
            var mid = 0.5 * (a + c);
            var lambda = mid + (mid * mid - det).clamp_min(0.1).sqrt();
            radius = (3 * lambda.sqrt()).ceil();
            var mxd = mean2d[.., 0].detach(); var myd = mean2d[.., 1].detach();
            x0 = ((mxd - radius) / 16).floor().clamp(0, tilesX);
            x1 = ((mxd + radius + 15) / 16).floor().clamp(0, tilesX);
            y0 = ((myd - radius) / 16).floor().clamp(0, tilesY);
            y1 = ((myd + radius + 15) / 16).floor().clamp(0, tilesY);
            valid = zValid.logical_and(detValid).logical_and(x1 > x0).logical_and(y1 > y0);
            radius = torch.where(valid, radius, torch.zeros_like(radius));
        }
        var radii = radius.to(ScalarType.Int32);

        // Depth order over all Gaussians (within a tile this is the sorted list restricted to the tile).
        var order = torch.argsort(torch.where(valid, pz, torch.full_like(pz, 1e30)).detach());
        Tensor S(Tensor t) => t.index_select(0, order);
        var sMx = S(mean2d[.., 0]); var sMy = S(mean2d[.., 1]);
        var sA = S(conA); var sB = S(conB); var sC = S(conC);
        var sO = S(inputs.Opacities); var sZ = S(pz); var sCol = S(inputs.Colors);
        var sValid = S(valid); var sx0 = S(x0); var sx1 = S(x1); var sy0 = S(y0); var sy1 = S(y1);

        // Pixels (row-major) × Gaussians.
        var cols = torch.arange(w, dtype: dt, device: dev).repeat(h);
        var rows = torch.arange(h, dtype: dt, device: dev).repeat_interleave(w);
        var tileCol = (cols / 16).floor().unsqueeze(1); var tileRow = (rows / 16).floor().unsqueeze(1);
        var inRect = (tileCol >= sx0.unsqueeze(0)).logical_and(tileCol < sx1.unsqueeze(0))
            .logical_and(tileRow >= sy0.unsqueeze(0)).logical_and(tileRow < sy1.unsqueeze(0))
            .logical_and(sValid.unsqueeze(0));
        var dx = sMx.unsqueeze(0) - (cols + 0.5).unsqueeze(1);
        var dy = sMy.unsqueeze(0) - (rows + 0.5).unsqueeze(1);
        var power = -0.5 * (sA.unsqueeze(0) * dx * dx + sC.unsqueeze(0) * dy * dy) - sB.unsqueeze(0) * dx * dy;
        var considered = inRect.logical_and(power <= 0);
        var powerSafe = torch.where(considered, power, torch.zeros_like(power));
        var alpha = (sO.unsqueeze(0) * powerSafe.exp()).clamp_max(0.99);
        var keep = considered.logical_and(alpha >= 1.0 / 255.0);
        var a1 = torch.where(keep, alpha, torch.zeros_like(alpha));

        Tensor weights, tFinal;
        if (n == 0)
        {
            weights = torch.zeros(h * w, 0, dtype: dt, device: dev);
            tFinal = torch.ones(h * w, dtype: dt, device: dev);
        }
        else
        {
            // The stop: a Gaussian whose blend would take T below 1e-4 is not blended, nor any after it. T is
            // monotone, so the first pass's mask is exact; the second pass recomputes T without the stopped ones.
            Tensor stop;
            using (torch.no_grad()) stop = (1 - a1).cumprod(1) < 1e-4;
            var a2 = torch.where(keep.logical_and(stop.logical_not()), alpha, torch.zeros_like(alpha));
            var tAfter = (1 - a2).cumprod(1);
            var tBefore = torch.cat(new[] { torch.ones(h * w, 1, dtype: dt, device: dev), tAfter[.., ..^1] }, 1);
            weights = a2 * tBefore;
            tFinal = tAfter[.., -1];
        }

        var colors = weights.matmul(sCol);
        if (view.BackgroundFor(ch) is { } bg)
        {
            colors = colors + tFinal.unsqueeze(1) * torch.tensor(bg, dtype: dt, device: dev).unsqueeze(0);
        }
        var depth = weights.matmul(sZ);
        return new Dense(colors.reshape(h, w, ch), (1 - tFinal).reshape(h, w), depth.reshape(h, w), radii, weights, order, mean2d);
    }

    public void Dispose() { }
}
