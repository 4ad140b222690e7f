using MnistLab.Common;

namespace MnistLab.Training;

/// <summary>
/// Supervised training with Adam; defaults are seed 003's (batch 256, lr 1e-3, 2 epochs). No seed: a training draws its
/// streams (shuffle, noise) from the run's seed, which the trainer is given beside these options (<see cref="Seeds"/>).
/// </summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 2;
    public int BatchSize { get; init; } = 256;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0;

    /// <summary>Batch size of the validation pass (memory, not maths: large for MLPs, small for CNNs).</summary>
    public int EvalBatchSize { get; init; } = 2000;

    public TrainOptions Validated()
    {
        Require.Positive(Epochs, $"{nameof(TrainOptions)}.{nameof(TrainOptions.Epochs)}");
        Require.Positive(BatchSize, $"{nameof(TrainOptions)}.{nameof(TrainOptions.BatchSize)}");
        Require.Positive(LearningRate, $"{nameof(TrainOptions)}.{nameof(TrainOptions.LearningRate)}");
        Require.NonNegative(WeightDecay, $"{nameof(TrainOptions)}.{nameof(TrainOptions.WeightDecay)}");
        Require.Positive(EvalBatchSize, $"{nameof(TrainOptions)}.{nameof(TrainOptions.EvalBatchSize)}");
        return this;
    }
}
