using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Training;

namespace MnistLab.Experiments.Rotated;

/// <summary>
/// Options of the rotated-digits experiment (seed 001): Adam lr 1e-4, weight decay 1e-4, batch 32, 5 epochs,
/// a seeded 80/20 train/validation split of the train+valid set; the data generated from MNIST unless LISA's files are given.
/// </summary>
public sealed record RotatedOptions
{
    public TrainOptions Train { get; init; } = new() { Epochs = 5, BatchSize = 32, LearningRate = 1e-4, WeightDecay = 1e-4, EvalBatchSize = 250 };
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>The linear model trained on the same data for comparison (Adam 1e-3, batch 128).</summary>
    public int LinearEpochs { get; init; } = 10;

    public RotatedData Data { get; init; } = new();

    /// <summary>
    /// A model folder holding the seed's ResNet (`mnistlab model import --kind rotated`) to analyse instead of training
    /// one here (the seed's own trained model, say); null trains the ResNet. Its filters are then set against a fresh
    /// initialisation of the same architecture.
    /// </summary>
    public string? Model { get; init; }

    /// <summary>
    /// The sparse dictionary learned on each of <see cref="DictionaryBlocks"/> (<see cref="RotatedDictionarySection"/>):
    /// how many distinct features each block holds, and which fire on the digit and which on the texture; null turns
    /// the section off. Its <c>ConceptImages</c> is the number of test images every figure of the section is measured on.
    /// </summary>
    public Analysis.Dictionaries.DictionaryOptions? Dictionary { get; init; } = RotatedDictionarySection.Defaults;

    /// <summary>The blocks whose outputs get a dictionary: by default the last of each resolution (28, 14 and 7 positions a side); empty for none.</summary>
    public IReadOnlyList<string> DictionaryBlocks { get; init; } = ["res2", "res4", "res6"];

    /// <summary>
    /// Training positions per block: the first training images of the split that hold about this many (a block at
    /// 28 x 28 has 784 positions per image, at 7 x 7 only 49), read again each epoch.
    /// </summary>
    public int DictionaryRows { get; init; } = 100_000;

    /// <summary>
    /// The run's seed (--seed): every split, initialisation, shuffle, noise and resample of the run is a stream of it
    /// (<see cref="Common.Seeds"/>); the sub-options carry no seed of their own.
    /// </summary>
    public long Seed { get; init; }

    public RotatedOptions Validated()
    {
        Train.Validated();
        Require.Between(ValidationFraction, 0, 1, $"{nameof(RotatedOptions)}.{nameof(RotatedOptions.ValidationFraction)}");
        Require.Positive(LinearEpochs, $"{nameof(RotatedOptions)}.{nameof(RotatedOptions.LinearEpochs)}");
        Data.Validated();
        RotatedDictionarySection.Validate(this);
        Require.That(Model is null || Directory.Exists(Model), $"{nameof(RotatedOptions)}.{nameof(RotatedOptions.Model)}", $"{Model}: no such folder.");
        return this;
    }
}
