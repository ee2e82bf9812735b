namespace CoSeg.Reconstruction;

/// <summary>
/// The reference position learning-rate schedule: log-linear interpolation from an initial to a final rate over a number
/// of steps, lr(t) = exp((1−t)·ln(lr₀) + t·ln(lr₁)), t = clamp(step / maxSteps, 0, 1).
/// </summary>
public sealed class PositionLearningRate
{
    /// <summary>Creates the schedule; both rates must be positive.</summary>
    /// <param name="initial">Rate at step 0.</param>
    /// <param name="final">Rate at <paramref name="maxSteps"/> and after.</param>
    /// <param name="maxSteps">Steps over which the rate decays (≥ 1).</param>
    public PositionLearningRate(double initial, double final, int maxSteps)
    {
        if (!(initial > 0)) throw new ArgumentOutOfRangeException(nameof(initial), $"Initial rate must be positive, got {initial}.");
        if (!(final > 0)) throw new ArgumentOutOfRangeException(nameof(final), $"Final rate must be positive, got {final}.");
        if (maxSteps < 1) throw new ArgumentOutOfRangeException(nameof(maxSteps), $"maxSteps must be ≥ 1, got {maxSteps}.");
        Initial = initial; Final = final; MaxSteps = maxSteps;
    }

    /// <summary>Rate at step 0.</summary>
    public double Initial { get; }
    /// <summary>Rate at the end.</summary>
    public double Final { get; }
    /// <summary>Length of the decay in steps.</summary>
    public int MaxSteps { get; }

    /// <summary>Learning rate at <paramref name="step"/>.</summary>
    public double At(int step)
    {
        double t = Math.Clamp(step / (double)MaxSteps, 0.0, 1.0);
        return Math.Exp((1 - t) * Math.Log(Initial) + t * Math.Log(Final));
    }
}
