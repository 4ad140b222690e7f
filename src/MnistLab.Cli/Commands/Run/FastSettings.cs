using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("fast")]
public sealed class FastSettings : RunSettings
{
    [CommandOption("--seeds <N>"), OptionPath("seeds")]
    [Description("Trainings from scratch: the run's seed, then its replicates. Default 5.")]
    public int? Seeds { get; init; }

    [CommandOption("--epochs <N>"), OptionPath("epochs")]
    [Description("Epochs per training (the one-cycle schedule spans them all). Default 2.")]
    public int? Epochs { get; init; }

    [CommandOption("--evals <N>"), OptionPath("evals_per_epoch")]
    [Description("Test-accuracy measurements per epoch, with the training clock stopped. Default 10.")]
    public int? Evals { get; init; }
}
