using System.ComponentModel;
using MnistLab.Cli.Commands.Run;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Common;
using MnistLab.Experiments;
using MnistLab.Runs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Run an experiment's analyses and report again on its saved models, without training: from any checkpoint of a finished run.")]
public sealed class AnalyzeCommand : LabCommand<AnalyzeCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--checkpoint <FILE>")]
        [Description("A .ckpt file of the run (for example runs/linearity/checkpoints/mlp_ce.ckpt); the other trainings of that run are read from the same folder.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder for the analysis (default runs/<experiment>-analysis); same rules as a run's --out.")]
        public string? Out { get; init; }

        public override ValidationResult Validate() =>
            Checkpoint is null ? ValidationResult.Error("--checkpoint: give a .ckpt file of a finished run.") : base.Validate();
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string file = settings.Checkpoint!;
        if (!File.Exists(file)) throw new InvalidOptionException($"--checkpoint {file}: no such file.");
        var (experiment, _) = Reanalysis.Describe(file);
        string outDir = settings.Out ?? Path.Combine("runs", $"{experiment.Name}-analysis");
        Reports.ReportFolder.Check(outDir);
        using var data = settings.OpenData();
        var run = ConsoleProgress.Run(progress => Reanalysis.Run(file, outDir, data,
            new RunSetup { Progress = progress, Command = CliApp.Arguments, Cancel = cancellationToken }));
        Summary.Write(experiment, run.Figures, run.Answer);
        return 0;
    }
}
