using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Experiments;
using MnistLab.Experiments.Ring;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("ring")]
public sealed class RingSettings : RunSettings
{
    [CommandOption("--epochs <N>"), OptionPath("train.epochs", "Epochs per model.", typeof(RingOptions))]
    public int? Epochs { get; init; }

    [CommandOption("--batch-size <N>"), OptionPath("train.batch_size", "Mini-batch size.", typeof(RingOptions))]
    public int? BatchSize { get; init; }

    [CommandOption("--lr <X>"), OptionPath("train.learning_rate", "Adam learning rate.", typeof(RingOptions))]
    public double? LearningRate { get; init; }

    [CommandOption("--alpha <X>"), OptionPath("alpha", "Ring boost of the linear model, -alpha * mean|W[[:, ring]]|.", typeof(RingOptions))]
    public double? Alpha { get; init; }

    [CommandOption("--beta <X>"), OptionPath("beta", "Ring boost of the MLP, -beta * mean|W1[[:, ring]]|.", typeof(RingOptions))]
    public double? Beta { get; init; }

    [CommandOption("--ablation-seeds <N>"), OptionPath("ablation_seeds", "Seeds per ablation cell (0 skips the ablation).", typeof(RingOptions))]
    public int? AblationSeeds { get; init; }
}
