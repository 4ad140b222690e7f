using MnistLab.Common;

namespace MnistLab.Analysis.Verification;

/// <summary>
/// The L∞ PGD attack run before any bound (Madry et al. 2018): <see cref="Restarts"/> random starts in the ball, each
/// <see cref="Steps"/> signed-gradient steps of <see cref="StepFraction"/> · eps / steps on the largest other logit minus the
/// label's, projected back into the ball and [0, 1] after each.
/// </summary>
public sealed record PgdOptions
{
    public int Steps { get; init; } = 40;
    public int Restarts { get; init; } = 2;

    /// <summary>The step size as a share of eps / steps: 2.5 lets a run cross the ball and come back (Madry et al.).</summary>
    public double StepFraction { get; init; } = 2.5;

    /// <summary>Images attacked at once.</summary>
    public int Batch { get; init; } = 256;

    public PgdOptions Validated()
    {
        const string o = nameof(PgdOptions);
        Require.InRange(Steps, 1, 100_000, $"{o}.{nameof(Steps)}");
        Require.InRange(Restarts, 1, 1000, $"{o}.{nameof(Restarts)}");
        Require.Positive(StepFraction, $"{o}.{nameof(StepFraction)}");
        Require.InRange(Batch, 1, 100_000, $"{o}.{nameof(Batch)}");
        return this;
    }
}
