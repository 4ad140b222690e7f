using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Experiments;
using MnistLab.Experiments.Linearity;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("linearity")]
public sealed class LinearitySettings : RunSettings
{
    [CommandOption("--epochs <N>"), OptionPath("train.epochs", "Epochs per model.", typeof(LinearityOptions))]
    public int? Epochs { get; init; }

    [CommandOption("--batch-size <N>"), OptionPath("train.batch_size", "Mini-batch size.", typeof(LinearityOptions))]
    public int? BatchSize { get; init; }

    [CommandOption("--lr <X>"), OptionPath("train.learning_rate", "Adam learning rate.", typeof(LinearityOptions))]
    public double? LearningRate { get; init; }

    [CommandOption("--models <LIST>"), OptionPath("models", "Comma-separated subset of linear_mse,linear_ce,mlp_ce.", typeof(LinearityOptions))]
    public string? Models { get; init; }
}
