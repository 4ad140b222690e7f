using System.ComponentModel;
using MnistLab.Cli.Console;
using MnistLab.Experiments;
using MnistLab.Reports;
using MnistLab.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("The ring feature against pixels (seed 000): linear and MLP with the ring bit, formulas, and an ablation.")]
public sealed class RunRingCommand : Command<RunRingCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        static readonly RingOptions Defaults = new();

        [CommandOption("--epochs <N>")]
        [Description("Epochs per model. Default 5 (the seed's).")]
        public int Epochs { get; init; } = Defaults.Train.Epochs;

        [CommandOption("--batch-size <N>")]
        [Description("Mini-batch size. Default 256.")]
        public int BatchSize { get; init; } = Defaults.Train.BatchSize;

        [CommandOption("--lr <X>")]
        [Description("Adam learning rate. Default 0.001.")]
        public double LearningRate { get; init; } = Defaults.Train.LearningRate;

        [CommandOption("--alpha <X>")]
        [Description("Ring boost of the linear model, -alpha * mean|W[[:, ring]]|. Default 0.001.")]
        public double Alpha { get; init; } = Defaults.Alpha;

        [CommandOption("--beta <X>")]
        [Description("Ring boost of the MLP, -beta * mean|W1[[:, ring]]|. Default 0.001.")]
        public double Beta { get; init; } = Defaults.Beta;

        [CommandOption("--ablation-seeds <N>")]
        [Description("Seeds per ablation cell (0 skips the ablation). Default 3.")]
        public int AblationSeeds { get; init; } = Defaults.AblationSeeds;

        public RingOptions ToOptions() => new RingOptions
        {
            Train = new TrainOptions { Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, Seed = Seed },
            Alpha = Alpha,
            Beta = Beta,
            AblationSeeds = AblationSeeds,
        }.Validated();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions();
        var result = ExperimentRunner.Run(settings, "ring", options, settings.LoadVerifiedMnist,
            (mnist, p, c) => RingExperiment.Run(mnist, options, p, c), RingExperiment.WriteReport);
        var table = new Table().AddColumns("model", "input", "ring boost", "test acc (mean ± sd)");
        foreach (var a in result.Ablation) table.AddRow(a.Model, a.Input, a.Alpha.ToString("0.####"), $"{a.Mean:P2} ± {a.Std * 100:F2}");
        if (result.Ablation.Count > 0) AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"linear {result.Linear.TestAcc:P2}, MLP {result.Mlp.TestAcc:P2}; ring feature for 70,000 images in {result.Ring.Seconds * 1000:F0} ms");
        return 0;
    }
}
