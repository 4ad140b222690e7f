using System.ComponentModel;
using MnistLab.Cli.Console;
using MnistLab.Experiments;
using MnistLab.Features;
using MnistLab.Reports;
using MnistLab.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("A beta-VAE on MNIST, concept scores, a ridge probe with held-out R² and δ, and an exact Lean export (seed 004).")]
public sealed class RunVaeProbeCommand : Command<RunVaeProbeCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        static readonly VaeProbeOptions Defaults = new();

        [CommandOption("--epochs <N>")]
        [Description("VAE training epochs. Default 10.")]
        public int Epochs { get; init; } = Defaults.Train.Epochs;

        [CommandOption("--latent-dim <N>")]
        [Description("Latent dimension d. Default 8.")]
        public int LatentDim { get; init; } = Defaults.LatentDim;

        [CommandOption("--beta <X>")]
        [Description("Weight of the KL term. Default 4.")]
        public double Beta { get; init; } = Defaults.Beta;

        [CommandOption("--lambda <X>")]
        [Description("Ridge penalty of the probe (weights and bias). Default 0.001.")]
        public double Lambda { get; init; } = Defaults.Lambda;

        public VaeProbeOptions ToOptions() => new VaeProbeOptions
        {
            Train = Defaults.Train with { Epochs = Epochs, Seed = Seed },
            LatentDim = LatentDim, Beta = Beta, Lambda = Lambda,
        }.Validated();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions();
        var result = ExperimentRunner.Run(settings, "vae-probe", options, settings.LoadVerifiedMnist,
            (mnist, p, c) => VaeProbeExperiment.Run(mnist, options, p, c), VaeProbeExperiment.WriteReport);
        var table = new Table().AddColumns("concept", "R² train", "R² test", "δ train", "δ test");
        for (int k = 0; k < Concepts.Names.Count; k++)
            table.AddRow(Concepts.Names[k], $"{result.Train.R2[k]:F3}", $"{result.Test.R2[k]:F3}", $"{result.Train.Delta[k]:F3}", $"{result.Test.Delta[k]:F3}");
        AnsiConsole.Write(table);
        return 0;
    }
}
