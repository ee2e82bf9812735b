namespace CoSeg.Evaluation;

/// <summary>PSNR, SSIM and L1 of one rendered view against its image.</summary>
/// <param name="Name">View name.</param>
/// <param name="Psnr">PSNR in dB.</param>
/// <param name="Ssim">Mean SSIM.</param>
/// <param name="L1">Mean absolute error.</param>
public sealed record ViewImageMetrics(string Name, double Psnr, double Ssim, double L1);

/// <summary>Metrics averaged over the views of a split (per-view PSNR averaged, as the reference evaluation does).</summary>
/// <param name="Psnr">Mean PSNR in dB.</param>
/// <param name="Ssim">Mean SSIM.</param>
/// <param name="L1">Mean L1.</param>
/// <param name="Views">Per-view values.</param>
public sealed record ImageMetricsReport(double Psnr, double Ssim, double L1, IReadOnlyList<ViewImageMetrics> Views);
