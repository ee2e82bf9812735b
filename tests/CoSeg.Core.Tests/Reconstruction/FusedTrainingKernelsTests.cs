using CoSeg.Evaluation;
using CoSeg.Gaussians;
using CoSeg.Reconstruction;
using TorchSharp;
using static TorchSharp.torch;

namespace CoSeg.Tests.Reconstruction;

/// <summary>The fused native training kernels against TorchSharp: Adam (torch.optim.Adam) and the L1 + SSIM loss.</summary>
public sealed class FusedTrainingKernelsTests
{
    private static double RelErr(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var d = (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max().item<double>();
        return d / Math.Max(b.to_type(ScalarType.Float64).abs().max().item<double>(), 1e-30);
    }

    [Fact]
    public void FusedAdam_MatchesTorchAdam_Over100Steps_WithScheduleAndShMasking()
    {
        Assert.True(NativeTrainingKernels.Available, "libcoseg_native must be built for this test");
        using var scope = NewDisposeScope();
        const int n = 257, k = 16;
        var gen = manual_seed(3);
        var init = new[] { randn(n, 3), randn(n, 3) - 3, randn(n, 4), randn(n), randn(n, k, 3) * 0.3 };
        using var scene = new GaussianScene(init[0].clone(), init[1].clone(), init[2].clone(), init[3].clone(), init[4].clone());
        double[] lrs = [1.6e-4 * 5, 5e-3, 1e-3, 2.5e-2, 2.5e-3];
        var schedule = new PositionLearningRate(lrs[0], lrs[0] / 100, 100);
        using var fused = new GaussianAdam(scene, lrs[0], lrs[1], lrs[2], lrs[3], lrs[4], 20.0, 1e-15);

        // The reference: torch.optim.Adam, one group per tensor; SH split into DC and the rest (rate / 20).
        var refP = new[] { init[0], init[1], init[2], init[3] }.Select(t => new TorchSharp.Modules.Parameter(t.clone())).ToList();
        var dc = new TorchSharp.Modules.Parameter(init[4][.., ..1, ..].clone());
        var rest = new TorchSharp.Modules.Parameter(init[4][.., 1.., ..].clone());
        var groups = refP.Select((p, i) => new TorchSharp.Modules.Adam.ParamGroup(new[] { p }, lr: lrs[i], beta1: 0.9, beta2: 0.999, eps: 1e-15)).ToList();
        groups.Add(new TorchSharp.Modules.Adam.ParamGroup(new[] { dc }, lr: lrs[4], beta1: 0.9, beta2: 0.999, eps: 1e-15));
        groups.Add(new TorchSharp.Modules.Adam.ParamGroup(new[] { rest }, lr: lrs[4] / 20, beta1: 0.9, beta2: 0.999, eps: 1e-15));
        var adam = optim.Adam(groups, lrs[0], beta1: 0.9, beta2: 0.999, eps: 1e-15);

        for (int step = 1; step <= 100; step++)
        {
            using var stepScope = NewDisposeScope();
            int active = step <= 30 ? 1 : step <= 60 ? 4 : 16;   // the SH bands switched on during training
            var grads = new[] { randn(n, 3, generator: gen), randn(n, 3, generator: gen), randn(n, 4, generator: gen),
                                randn(n, generator: gen), randn(n, k, 3, generator: gen) };
            grads[4][.., active.., ..] = 0;   // inactive coefficients have no gradient (and the fused step skips them)
            double lr = schedule.At(step);
            fused[GaussianAdam.Means] = lr;
            fused.Step(scene, grads, active);

            groups[0].Options.LearningRate = lr;
            for (int i = 0; i < 4; i++) refP[i].grad = grads[i].clone();
            dc.grad = grads[4][.., ..1, ..].clone();
            rest.grad = grads[4][.., 1.., ..].clone();
            adam.step();
        }
        var got = GaussianAdam.Parameters(scene);
        for (int i = 0; i < 4; i++)
            Assert.True(RelErr(got[i], refP[i]) < 1e-6, $"slot {i}: rel err {RelErr(got[i], refP[i])}");
        var refSh = cat([dc, rest], 1);
        Assert.True(RelErr(got[4], refSh) < 1e-6, $"SH: rel err {RelErr(got[4], refSh)}");
        // Something moved, the masked coefficients only after they were switched on.
        Assert.True(RelErr(got[0], init[0]) > 1e-4);
    }

    [Theory]
    [InlineData(23, 31, 0.2)]
    [InlineData(64, 48, 0.5)]
    public void FusedL1Ssim_MatchesSsimLossAndItsGradient(int h, int w, double lambda)
    {
        Assert.True(NativeImageLoss.Available, "libcoseg_native must be built for this test");
        using var scope = NewDisposeScope();
        var gen = manual_seed(h);
        // A smooth target and a noisy prediction near it (SSIM well inside (0, 1)).
        var yy = linspace(0, 3, h).unsqueeze(1).unsqueeze(2);
        var xx = linspace(0, 2, w).unsqueeze(0).unsqueeze(2);
        var target = ((yy * xx + tensor(new float[] { 0, 1, 2 })).sin() * 0.4 + 0.5).to_type(ScalarType.Float32).contiguous();
        var pred = (target + 0.1 * randn(h, w, 3, generator: gen)).clamp(0, 1).contiguous();
        pred[3, 4, 1] = target[3, 4, 1];   // an exact match: L1's gradient is 0 there

        var grad = zeros_like(pred);
        var (loss, l1, ssim, mse) = NativeImageLoss.L1Ssim(pred, target, lambda, grad);

        // The reference: the trainer's previous loss, in float64, differentiated by autograd.
        var x = pred.to_type(ScalarType.Float64).requires_grad_(true);
        var t64 = target.to_type(ScalarType.Float64);
        var refSsim = Ssim.Loss(x, t64);
        var refL1 = MeanAbsoluteError.Loss(x, t64);
        var refLoss = (1 - lambda) * refL1 + lambda * (1 - refSsim);
        refLoss.backward();
        Assert.True(Math.Abs(ssim - refSsim.item<double>()) < 1e-5 * Math.Abs(refSsim.item<double>()), $"SSIM {ssim} vs {refSsim.item<double>()}");
        Assert.True(Math.Abs(l1 - refL1.item<double>()) < 1e-6, $"L1 {l1} vs {refL1.item<double>()}");
        Assert.True(Math.Abs(loss - refLoss.item<double>()) < 1e-5 * refLoss.item<double>(), $"loss {loss} vs {refLoss.item<double>()}");
        Assert.True(Math.Abs(mse - (x.detach() - t64).square().mean().item<double>()) < 1e-7);
        Assert.True(RelErr(grad, x.grad!) < 1e-5, $"gradient rel err {RelErr(grad, x.grad!)}");
        // The SSIM part alone (λ = 1) against its autograd gradient, so the L1 term cannot hide an SSIM error.
        var gS = zeros_like(pred);
        NativeImageLoss.L1Ssim(pred, target, 1.0, gS);
        var xs = pred.to_type(ScalarType.Float64).requires_grad_(true);
        (1 - Ssim.Loss(xs, t64)).backward();
        Assert.True(RelErr(gS, xs.grad!) < 1e-5, $"SSIM gradient rel err {RelErr(gS, xs.grad!)}");
    }
}
