using MnistLab.Common;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// How a linear probe is fitted and measured. Regularisation is per sample on standardised inputs: ridge minimises
/// mean squared error + lambda |w|^2, the logistic probe mean cross-entropy + lambda/2 |W|^2 (scikit-learn's alpha is
/// n lambda, its C is 1 / (n lambda)); lambda is chosen by k-fold cross-validation on the probe's training images.
/// No seed: the split, the control task and the resamples are streams of the seed the probe is given (the run's).
/// </summary>
public sealed record ProbeOptions
{
    /// <summary>Share of the images held out to measure the probe (score, control score, MI).</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Folds of the cross-validation that chooses lambda.</summary>
    public int Folds { get; init; } = 5;

    public IReadOnlyList<double> RidgeLambdas { get; init; } = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100];

    /// <summary>Tried from the strongest, each fit starting from the previous one's solution.</summary>
    public IReadOnlyList<double> LogisticLambdas { get; init; } = [1e-1, 1e-2, 1e-3, 1e-4];

    /// <summary>Layers wider than this are reduced first: feature maps average-pooled, flat layers projected at random.</summary>
    public int MaxFeatures { get; init; } = 2048;

    /// <summary>Block ends of the online code as fractions of the training images (Voita and Titov 2020).</summary>
    public IReadOnlyList<double> MdlFractions { get; init; } = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.0625, 0.125, 0.25, 0.5, 1];

    /// <summary>A continuous concept is coded as its equal-mass bin among this many (its deciles by default).</summary>
    public int MdlBins { get; init; } = 10;

    /// <summary>Bootstrap resamples of the MI interval and shuffles of its null.</summary>
    public int Bootstrap { get; init; } = 200;
    public int Null { get; init; } = 200;

    /// <summary>Run the control task (the concept shuffled across images) and the online code; off, both are NaN.</summary>
    public bool Control { get; init; } = true;
    public bool Mdl { get; init; } = true;

    /// <summary>
    /// Point estimates only: each probe's score, control score and MI estimate, without the MI's interval and null or the
    /// online code (NaN and none), whatever <see cref="Bootstrap"/>, <see cref="Null"/> and <see cref="Mdl"/> say.
    /// </summary>
    public bool Fast { get; init; }

    public ProbeOptions Validated()
    {
        Require.Between(TestFraction, 0, 1, $"{nameof(ProbeOptions)}.{nameof(ProbeOptions.TestFraction)}");
        Require.InRange(Folds, 2, 50, $"{nameof(ProbeOptions)}.{nameof(ProbeOptions.Folds)}");
        Require.That(RidgeLambdas.Count > 0 && RidgeLambdas.All(l => l > 0 && double.IsFinite(l)), $"{nameof(ProbeOptions)}.{nameof(ProbeOptions.RidgeLambdas)}", "must be a non-empty list of positive numbers.");
        Require.That(LogisticLambdas.Count > 0 && LogisticLambdas.All(l => l > 0 && double.IsFinite(l)), $"{nameof(ProbeOptions)}.{nameof(ProbeOptions.LogisticLambdas)}", "must be a non-empty list of positive numbers.");
        Require.InRange(MaxFeatures, 1, 1 << 16, $"{nameof(ProbeOptions)}.{nameof(ProbeOptions.MaxFeatures)}");
        Require.That(MdlFractions.Count > 0 && MdlFractions.All(f => f is > 0 and <= 1) && MdlFractions[^1] == 1 && MdlFractions.Zip(MdlFractions.Skip(1)).All(p => p.First < p.Second),
            $"{nameof(ProbeOptions)}.{nameof(ProbeOptions.MdlFractions)}", "must rise strictly in (0, 1] and end at 1.");
        Require.InRange(MdlBins, 2, 1000, $"{nameof(ProbeOptions)}.{nameof(ProbeOptions.MdlBins)}");
        Require.InRange(Bootstrap, 0, 100_000, $"{nameof(ProbeOptions)}.{nameof(ProbeOptions.Bootstrap)}");
        Require.InRange(Null, 0, 100_000, $"{nameof(ProbeOptions)}.{nameof(ProbeOptions.Null)}");
        return this;
    }
}
