namespace MnistLab.Analysis.Information;

/// <summary>
/// A mutual-information estimator: it fits the sample once and says how to redo the estimate on a bootstrap resample
/// and with Y shuffled. <see cref="MiEstimate.Compute"/> drives every estimator the same way.
/// </summary>
public interface IMiEstimator
{
    /// <summary>Its name in options and on the command line: <c>plugin</c>, <c>ksg</c>.</summary>
    string Name { get; }

    /// <summary>What it estimates and from which paper, in one line.</summary>
    string Description { get; }

    /// <summary>Fits <paramref name="x"/> against <paramref name="y"/> (same sample count); an unsuitable pair of kinds is an <see cref="Common.InvalidOptionException"/>.</summary>
    MiFit Fit(Variable x, Variable y, MiOptions options);
}

/// <summary>
/// One fitted estimate and what its interval and null need. <see cref="Replicate"/> recomputes the estimate on bootstrap
/// rows; <see cref="Centre"/> is the quantity those replicates estimate (the estimand evaluated on the sample's own
/// distribution: the plug-in value for binned estimators, the estimate itself for averages of per-sample terms), so the
/// interval corrects the bias that resampling adds. <see cref="Null"/> recomputes the estimate with Y reordered by a
/// permutation. Both must be safe to call from several threads at once. <see cref="Samples"/> is the number of rows
/// they index (the held-out rows of a probe bound).
/// </summary>
public sealed record MiFit(double Estimate, double Centre, Func<int[], double> Replicate, Func<int[], double> Null, int Samples);
