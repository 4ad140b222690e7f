using System.Text.Json.Serialization;
using MnistLab.Analysis.Information;
using MnistLab.Common;

namespace MnistLab.Training;

public enum MiEstimator { Hard, Soft }

public enum UpdateOrder
{
    /// <summary>The seed's: one SGD step per neuron per batch, in order, each seeing the rows updated before it.</summary>
    Sequential,

    /// <summary>Every neuron's own gradient, all applied in one step.</summary>
    Simultaneous,
}

/// <summary>
/// Seed 002's layer-local rule. Defaults are the seed's: SGD lr 1e-3, lambda 0.01, batch 128, 2 epochs per
/// layer, layers 784-16-16, hard MI on 10 bins over [-3, 3], then a linear readout (Adam 1e-3, 5 epochs).
/// </summary>
public sealed record LocalMiOptions
{
    public double LearningRate { get; init; } = 1e-3;
    public double Lambda { get; init; } = 0.01;
    public int BatchSize { get; init; } = 128;
    public int EpochsPerLayer { get; init; } = 2;
    public IReadOnlyList<int> Layers { get; init; } = [16, 16];

    /// <summary>The bins of both estimators: equal-width on a fixed range (the seed's 10 on [-3, 3]).</summary>
    [JsonConverter(typeof(FixedWidthBinningJson))]
    public Binning Bins { get; init; } = Binning.Seed;

    public MiEstimator Estimator { get; init; } = MiEstimator.Hard;
    public UpdateOrder Order { get; init; } = UpdateOrder.Sequential;

    /// <summary>Kernel standard deviation of the soft estimator, in units of y (bins are 0.6 wide by default).</summary>
    public double SoftWidth { get; init; } = 0.3;

    public int ReadoutEpochs { get; init; } = 5;
    public double ReadoutLearningRate { get; init; } = 1e-3;

    public LocalMiOptions Validated()
    {
        Require.Positive(LearningRate, $"{nameof(LocalMiOptions)}.{nameof(LocalMiOptions.LearningRate)}");
        Require.NonNegative(Lambda, $"{nameof(LocalMiOptions)}.{nameof(LocalMiOptions.Lambda)}");
        Require.Positive(BatchSize, $"{nameof(LocalMiOptions)}.{nameof(LocalMiOptions.BatchSize)}");
        Require.Positive(EpochsPerLayer, $"{nameof(LocalMiOptions)}.{nameof(LocalMiOptions.EpochsPerLayer)}");
        Require.That(Layers.Count > 0 && Layers.All(k => k >= 1), $"{nameof(LocalMiOptions)}.{nameof(LocalMiOptions.Layers)}", $"must be a non-empty list of positive sizes, got [{string.Join(", ", Layers)}].");
        Bins.Validated();
        Require.That(Bins.IsFixedWidth, $"{nameof(LocalMiOptions)}.{nameof(LocalMiOptions.Bins)}", $"must be equal-width bins on a fixed range (the rule's estimators bin on [min, max]), got {Bins}.");
        Require.Positive(SoftWidth, $"{nameof(LocalMiOptions)}.{nameof(LocalMiOptions.SoftWidth)}");
        Require.Positive(ReadoutEpochs, $"{nameof(LocalMiOptions)}.{nameof(LocalMiOptions.ReadoutEpochs)}");
        Require.Positive(ReadoutLearningRate, $"{nameof(LocalMiOptions)}.{nameof(LocalMiOptions.ReadoutLearningRate)}");
        return this;
    }
}


