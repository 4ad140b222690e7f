using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Experiments;
using MnistLab.Experiments.Fast;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[FlagsOf("fast")]
public sealed class FastSettings : RunSettings
{
    [CommandOption("--seeds <N>"), OptionPath("seeds", "Trainings from scratch: the run's seed, then its replicates.", typeof(FastOptions))]
    public int? Seeds { get; init; }

    [CommandOption("--epochs <N>"), OptionPath("epochs", "Epochs per training (the one-cycle schedule spans them all).", typeof(FastOptions))]
    public int? Epochs { get; init; }

    [CommandOption("--evals <N>"), OptionPath("evals_per_epoch", "Test-accuracy measurements per epoch, with the training clock stopped.", typeof(FastOptions))]
    public int? Evals { get; init; }
}
