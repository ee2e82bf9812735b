namespace CoSeg.Reconstruction;

/// <summary>One progress report of the trainer.</summary>
/// <param name="Iteration">Iterations completed (1-based).</param>
/// <param name="TotalIterations">Iterations planned.</param>
/// <param name="Loss">Training loss of this iteration.</param>
/// <param name="RunningLoss">Exponential moving average of the loss (weight 0.4 on the new value, as the reference logs).</param>
/// <param name="RunningPsnr">Exponential moving average of the training-view PSNR in dB.</param>
/// <param name="GaussianCount">Number of Gaussians after this iteration.</param>
/// <param name="ActiveShDegree">SH degree in use.</param>
/// <param name="IterationsPerSecond">Average speed since the start.</param>
/// <param name="Elapsed">Wall time since the start.</param>
/// <param name="Profile">Cumulative time per training stage so far (a snapshot; null when not recorded).</param>
public sealed record ReconstructProgress(
    int Iteration, int TotalIterations, double Loss, double RunningLoss, double RunningPsnr,
    long GaussianCount, int ActiveShDegree, double IterationsPerSecond, TimeSpan Elapsed, TrainingProfile? Profile = null);
