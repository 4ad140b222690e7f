using MnistLab.Common;

namespace MnistLab.Analysis.Information;

/// <summary>
/// How <see cref="MiEstimate.Compute"/> estimates I(X; Y): the estimator (by its registered name), its bins or
/// neighbours, how many bootstrap resamples give the interval and how many shuffles give the null, and the seed every
/// resample, shuffle and tie-breaking jitter is drawn from. Defaults: the seed's binned plug-in estimate.
/// </summary>
public sealed record MiOptions
{
    /// <summary>One of <see cref="Estimators.Names"/>.</summary>
    public string Estimator { get; init; } = Estimators.Plugin;

    /// <summary>Bins of the binned estimators (plugin, miller-madow, panzeri-treves).</summary>
    public Binning Binning { get; init; } = Binning.Seed;

    /// <summary>k of the nearest-neighbour estimators (ross, ksg); 3 as Kraskov et al. and scikit-learn.</summary>
    public int Neighbours { get; init; } = 3;

    /// <summary>Bootstrap resamples for the 95% interval; 0 gives none.</summary>
    public int Bootstrap { get; init; } = 200;

    /// <summary>Shuffles of Y against X for the null p-value; 0 gives none.</summary>
    public int Null { get; init; } = 200;

    /// <summary>Share of the samples held out to measure the probe bound's cross-entropy (the rest trains the probe).</summary>
    public double ProbeHeldOut { get; init; } = 0.5;

    /// <summary>L2 strength of the probe bound's logistic probe (mean cross-entropy + lambda/2 |W|^2 on standardised inputs).</summary>
    public double ProbeLambda { get; init; } = 1e-3;

    public long Seed { get; init; }

    public MiOptions Validated()
    {
        Require.That(Estimators.Find(Estimator) is not null, $"{nameof(MiOptions)}.{nameof(MiOptions.Estimator)}", $"names no estimator: '{Estimator}'; the estimators are {string.Join(", ", Estimators.Names)}.");
        Binning.Validated();
        Require.InRange(Neighbours, 1, 1000, $"{nameof(MiOptions)}.{nameof(MiOptions.Neighbours)}");
        Require.InRange(Bootstrap, 0, 100_000, $"{nameof(MiOptions)}.{nameof(MiOptions.Bootstrap)}");
        Require.InRange(Null, 0, 100_000, $"{nameof(MiOptions)}.{nameof(MiOptions.Null)}");
        Require.Between(ProbeHeldOut, 0, 1, $"{nameof(MiOptions)}.{nameof(MiOptions.ProbeHeldOut)}");
        Require.NonNegative(ProbeLambda, $"{nameof(MiOptions)}.{nameof(MiOptions.ProbeLambda)}");
        return this;
    }
}
