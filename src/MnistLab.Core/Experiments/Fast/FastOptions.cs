using MnistLab.Common;

namespace MnistLab.Experiments.Fast;

/// <summary>
/// Options of the speed run. The recipe is tuomaso/train_mnist_fast's last one ("8_Final"): batch 256, Adam with
/// betas (0.7, 0.9) under a one-cycle schedule peaking at 1e-2, inputs standardised with the training set's mean and
/// standard deviation; but two epochs, not one. With one epoch the test accuracy over seeds averages 99.0% (99.04%
/// over 30 seeds in the reference, 99.01% over 8 here), so a mean of five seeds misses 99.0% about as often as it
/// makes it; with two it averaged 99.27% here, the lowest seed 99.16%.
/// </summary>
public sealed record FastOptions
{
    /// <summary>The run's seed: the first training's seed; the others are its replicates (<see cref="Common.Seeds.Replicate"/>).</summary>
    public long Seed { get; init; } = 0;

    /// <summary>Trainings from scratch, each with its own seed, to read the accuracy as a distribution.</summary>
    public int Seeds { get; init; } = 5;

    public int Epochs { get; init; } = 2;
    public int BatchSize { get; init; } = 256;

    /// <summary>The one-cycle schedule's peak (PyTorch's OneCycleLR defaults otherwise: 30% warm-up, cosine, start at peak/25).</summary>
    public double MaxLearningRate { get; init; } = 1e-2;
    public double Beta1 { get; init; } = 0.7;
    public double Beta2 { get; init; } = 0.9;

    /// <summary>Test accuracy measured this many times per epoch, evenly spaced, with the training clock stopped.</summary>
    public int EvalsPerEpoch { get; init; } = 10;

    /// <summary>The accuracy whose time is reported (time to 99.0%).</summary>
    public double Target { get; init; } = 0.99;

    public FastOptions Validated()
    {
        Require.InRange(Seeds, 1, 1000, $"{nameof(FastOptions)}.{nameof(FastOptions.Seeds)}");
        Require.Positive(Epochs, $"{nameof(FastOptions)}.{nameof(FastOptions.Epochs)}");
        Require.Positive(BatchSize, $"{nameof(FastOptions)}.{nameof(FastOptions.BatchSize)}");
        Require.Positive(MaxLearningRate, $"{nameof(FastOptions)}.{nameof(FastOptions.MaxLearningRate)}");
        Require.Between(Beta1, 0, 1, "FastOptions.Beta1");
        Require.Between(Beta2, 0, 1, "FastOptions.Beta2");
        Require.Positive(EvalsPerEpoch, $"{nameof(FastOptions)}.{nameof(FastOptions.EvalsPerEpoch)}");
        Require.Between(Target, 0, 1, $"{nameof(FastOptions)}.{nameof(FastOptions.Target)}");
        return this;
    }
}
