using CoSeg.Data;
using CoSeg.Gaussians;

namespace CoSeg.Reconstruction;

public static partial class Reconstructor
{
    /// <summary>
    /// Reconstructs a 3D Gaussian scene from the training split of <paramref name="dataset"/> with the reference recipe
    /// (see <see cref="ReconstructOptions"/>). The returned scene is detached and owned by the caller.
    /// </summary>
    /// <param name="dataset">Posed images; its sparse points, when present, seed the Gaussians.</param>
    /// <param name="options">Training settings (null = reference defaults).</param>
    /// <param name="progress">Receives one report per iteration.</param>
    /// <param name="ct">Checked every iteration; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ReconstructionDivergedException">The loss or a parameter became NaN/Inf.</exception>
    public static Task<GaussianScene> ReconstructAsync(SceneDataset dataset, ReconstructOptions? options,
                                                       IProgress<ReconstructProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return TrainAsync(ToTrainingData(dataset), options ?? new ReconstructOptions(), progress, ct);
    }

    /// <summary>The training split of a dataset in the trainer's terms (views, sparse points, background, format).</summary>
    public static TrainingData ToTrainingData(SceneDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Train.Count == 0)
            throw new ArgumentException($"Dataset '{dataset.RootPath ?? dataset.Format}' has no training views.", nameof(dataset));
        var views = dataset.Train.Select(v => new TrainingView(v.Camera, () =>
        {
            var img = v.LoadImage();
            return (img.Rgb, img.Alpha);
        }) { LoadValidMask = v.HasValidMask ? v.LoadValidMask : null }).ToList();
        return new TrainingData(views, dataset.Points, dataset.PointColors, dataset.Background.ToArray(),
                                string.Equals(dataset.Format, "nerf-synthetic", StringComparison.Ordinal))
        { ContentCube = dataset.ContentCube };
    }
}
