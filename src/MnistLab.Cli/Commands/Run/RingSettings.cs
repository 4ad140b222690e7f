using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("ring")]
public sealed class RingSettings : RunSettings
{
    [CommandOption("--epochs <N>"), OptionPath("train.epochs")]
    [Description("Epochs per model. Default 5 (the seed's).")]
    public int? Epochs { get; init; }

    [CommandOption("--batch-size <N>"), OptionPath("train.batch_size")]
    [Description("Mini-batch size. Default 256.")]
    public int? BatchSize { get; init; }

    [CommandOption("--lr <X>"), OptionPath("train.learning_rate")]
    [Description("Adam learning rate. Default 0.001.")]
    public double? LearningRate { get; init; }

    [CommandOption("--alpha <X>"), OptionPath("alpha")]
    [Description("Ring boost of the linear model, -alpha * mean|W[[:, ring]]|. Default 0.001.")]
    public double? Alpha { get; init; }

    [CommandOption("--beta <X>"), OptionPath("beta")]
    [Description("Ring boost of the MLP, -beta * mean|W1[[:, ring]]|. Default 0.001.")]
    public double? Beta { get; init; }

    [CommandOption("--ablation-seeds <N>"), OptionPath("ablation_seeds")]
    [Description("Seeds per ablation cell (0 skips the ablation). Default 3.")]
    public int? AblationSeeds { get; init; }
}
