using System.ComponentModel;
using MnistLab.Cli.Console;
using MnistLab.Experiments;
using MnistLab.Reports;
using MnistLab.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Limits of linearity (seed 003): linear+MSE, linear+CE and an MLP, with templates and confusions.")]
public sealed class RunLinearityCommand : Command<RunLinearityCommand.Settings>
{
    public sealed class Settings : RunSettings
    {

        [CommandOption("--epochs <N>")]
        [Description("Epochs per model. Default 2 (the seed's).")]
        public int Epochs { get; init; } = new TrainOptions().Epochs;

        [CommandOption("--batch-size <N>")]
        [Description("Mini-batch size. Default 256.")]
        public int BatchSize { get; init; } = new TrainOptions().BatchSize;

        [CommandOption("--lr <X>")]
        [Description("Adam learning rate. Default 0.001.")]
        public double LearningRate { get; init; } = new TrainOptions().LearningRate;

        [CommandOption("--models <LIST>")]
        [Description("Comma-separated subset of linear_mse,linear_ce,mlp_ce. Default all three.")]
        public string? Models { get; init; }

        public LinearityOptions ToOptions() => new LinearityOptions
        {
            Train = new TrainOptions { Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, Seed = Seed },
            Models = Models is null ? LinearityOptions.AllModels : Models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        }.Validated();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions();
        var result = ExperimentRunner.Run(settings, "linearity", options, settings.LoadVerifiedMnist,
            (mnist, p, c) => LinearityExperiment.Run(mnist, options, p, c), LinearityExperiment.WriteReport);
        var table = new Table().AddColumns("model", "test acc", "train time");
        foreach (var m in result.Models) table.AddRow(m.Title, $"{m.TestAcc:P2}", $"{m.TrainSeconds:F1} s");
        AnsiConsole.Write(table);
        return 0;
    }
}
