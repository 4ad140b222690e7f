using System.ComponentModel;
using MnistLab.Analysis;
using MnistLab.Cli.Console;
using MnistLab.Experiments;
using MnistLab.Training;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("A layer-local learning rule driven by mutual information (seed 002), against backprop and a pixel readout.")]
public sealed class RunLocalMiCommand : Command<RunLocalMiCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        static readonly LocalMiOptions Defaults = new();

        [CommandOption("--mi <KIND>")]
        [Description("hard (the seed's binned estimator), soft (differentiable) or both. Default both.")]
        public string Mi { get; init; } = "both";

        [CommandOption("--order <ORDER>")]
        [Description("sequential (the seed's), simultaneous or both. Default both.")]
        public string Order { get; init; } = "both";

        [CommandOption("--epochs <N>")]
        [Description("Epochs per layer. Default 2.")]
        public int Epochs { get; init; } = Defaults.EpochsPerLayer;

        [CommandOption("--lr <X>")]
        [Description("SGD learning rate of the local rule. Default 0.001.")]
        public double LearningRate { get; init; } = Defaults.LearningRate;

        [CommandOption("--lambda <X>")]
        [Description("Redundancy penalty. Default 0.01.")]
        public double Lambda { get; init; } = Defaults.Lambda;

        [CommandOption("--soft-width <X>")]
        [Description("Kernel sd of the soft estimator. Default 0.3.")]
        public double SoftWidth { get; init; } = Defaults.SoftWidth;

        public override ValidationResult Validate()
        {
            if (Mi is not ("hard" or "soft" or "both")) return ValidationResult.Error($"--mi must be hard, soft or both, got '{Mi}'.");
            if (Order is not ("sequential" or "simultaneous" or "both")) return ValidationResult.Error($"--order must be sequential, simultaneous or both, got '{Order}'.");
            return base.Validate();
        }

        public LocalMiOptions ToOptions() => new LocalMiOptions
        {
            EpochsPerLayer = Epochs, LearningRate = LearningRate, Lambda = Lambda, SoftWidth = SoftWidth, Seed = Seed,
        }.Validated();

        public IReadOnlyList<MiEstimator> Estimators => Mi == "both" ? LocalMiExperiment.Estimators : [Enum.Parse<MiEstimator>(Mi, ignoreCase: true)];
        public IReadOnlyList<UpdateOrder> Orders => Order == "both" ? LocalMiExperiment.Orders : [Enum.Parse<UpdateOrder>(Order, ignoreCase: true)];
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions();
        var result = ExperimentRunner.Run(settings, "local-mi", new LocalMiSelection(options, settings.Estimators, settings.Orders), settings.LoadVerifiedMnist,
            (mnist, p, c) => LocalMiExperiment.Run(mnist, options, settings.Estimators, settings.Orders, p, c), LocalMiExperiment.WriteReport);
        var table = new Table().AddColumns("configuration", "test acc", "train time");
        foreach (var c in result.Configs) table.AddRow(c.Key, $"{c.TestAcc:P2}", $"{c.TrainSeconds:F1} s");
        AnsiConsole.Write(table);
        return 0;
    }
}
