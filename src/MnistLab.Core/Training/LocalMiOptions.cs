using MnistLab.Analysis;
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
    public MiBins Bins { get; init; } = new();
    public MiEstimator Estimator { get; init; } = MiEstimator.Hard;
    public UpdateOrder Order { get; init; } = UpdateOrder.Sequential;

    /// <summary>Kernel standard deviation of the soft estimator, in units of y (bins are 0.6 wide by default).</summary>
    public double SoftWidth { get; init; } = 0.3;

    public int ReadoutEpochs { get; init; } = 5;
    public double ReadoutLearningRate { get; init; } = 1e-3;

    public LocalMiOptions Validated()
    {
        Require.Positive(LearningRate, "LocalMiOptions.LearningRate");
        Require.NonNegative(Lambda, "LocalMiOptions.Lambda");
        Require.Positive(BatchSize, "LocalMiOptions.BatchSize");
        Require.Positive(EpochsPerLayer, "LocalMiOptions.EpochsPerLayer");
        Require.That(Layers.Count > 0 && Layers.All(k => k >= 1), "LocalMiOptions.Layers", $"must be a non-empty list of positive sizes, got [{string.Join(", ", Layers)}].");
        Bins.Validated();
        Require.Positive(SoftWidth, "LocalMiOptions.SoftWidth");
        Require.Positive(ReadoutEpochs, "LocalMiOptions.ReadoutEpochs");
        Require.Positive(ReadoutLearningRate, "LocalMiOptions.ReadoutLearningRate");
        return this;
    }
}


