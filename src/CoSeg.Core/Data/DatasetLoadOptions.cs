namespace CoSeg.Data;

/// <summary>Options for <see cref="DatasetLoader.Load"/>.</summary>
public sealed class DatasetLoadOptions
{
    /// <summary>
    /// Integer image downscale factor (≥ 1). LLFF/COLMAP prefer an existing <c>images_N</c> folder; otherwise images are
    /// resampled (area filter) when loaded. Intrinsics are always those of the resolution actually loaded.
    /// </summary>
    public int Downscale { get; init; } = 1;

    /// <summary>Background RGB in [0, 1] that RGBA images are composited on; null = white (the NeRF-synthetic custom).</summary>
    public float[]? Background { get; init; }

    /// <summary>
    /// For LLFF and COLMAP datasets (which have no split files): every N-th image (indices 0, N, 2N, … in name order)
    /// goes to the test split, the rest to train. 8 is customary; 0 puts every image in train.
    /// </summary>
    public int TestHoldoutEvery { get; init; } = 8;

    /// <summary>Force a format instead of auto-detecting: "nerf-synthetic", "instant-ngp", "llff" or "colmap".</summary>
    public string? Format { get; init; }

    /// <summary>
    /// When some frames of a transforms file (or images of a COLMAP model) have no image file: false (default) fails
    /// with an error naming how many and the first few paths; true loads the others and lists the skipped files in
    /// <see cref="SceneDataset.SkippedImages"/>. A dataset with no image at all fails either way.
    /// </summary>
    public bool SkipMissingImages { get; init; }

    internal float[] BackgroundOrWhite()
    {
        var bg = Background ?? new[] { 1f, 1f, 1f };
        if (bg.Length != 3 || bg.Any(v => !float.IsFinite(v)))
            throw new ArgumentException($"DatasetLoadOptions.Background must have 3 finite values, got [{string.Join(", ", bg)}].");
        return bg;
    }

    internal void Validate()
    {
        if (Downscale < 1) throw new ArgumentOutOfRangeException(nameof(Downscale), $"DatasetLoadOptions.Downscale must be ≥ 1, got {Downscale}.");
        if (TestHoldoutEvery < 0) throw new ArgumentOutOfRangeException(nameof(TestHoldoutEvery), $"DatasetLoadOptions.TestHoldoutEvery must be ≥ 0, got {TestHoldoutEvery}.");
        BackgroundOrWhite();
    }
}
