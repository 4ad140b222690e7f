using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("linearity")]
public sealed class LinearitySettings : RunSettings
{
    [CommandOption("--epochs <N>"), OptionPath("train.epochs")]
    [Description("Epochs per model. Default 2 (the seed's).")]
    public int? Epochs { get; init; }

    [CommandOption("--batch-size <N>"), OptionPath("train.batch_size")]
    [Description("Mini-batch size. Default 256.")]
    public int? BatchSize { get; init; }

    [CommandOption("--lr <X>"), OptionPath("train.learning_rate")]
    [Description("Adam learning rate. Default 0.001.")]
    public double? LearningRate { get; init; }

    [CommandOption("--models <LIST>"), OptionPath("models")]
    [Description("Comma-separated subset of linear_mse,linear_ce,mlp_ce. Default all three.")]
    public string? Models { get; init; }
}
