namespace CoSeg.Reconstruction;

/// <summary>Thrown when training produces a NaN or infinite loss or parameter; no scene is returned.</summary>
public sealed class ReconstructionDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception for a 1-based iteration.</summary>
    public ReconstructionDivergedException(int iteration, string detail, Exception? inner = null)
        : base($"Reconstruction diverged at iteration {iteration}: {detail}", inner)
    {
        Iteration = iteration;
    }

    /// <summary>The 1-based iteration at which the non-finite value appeared.</summary>
    public int Iteration { get; }
}
