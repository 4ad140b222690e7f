using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Experiments;
using MnistLab.Runs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

[Description("Every experiment in turn, each into its own subfolder of --out, then index.html across them.")]
public sealed class RunAllCommand : LabCommand<RunAllCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--out <DIR>")]
        [Description("The lab's folder (default runs/all): one report folder per experiment, index.html and the lab's metrics.json.")]
        public string? Out { get; init; }

        [CommandOption("--seed <N>")]
        [Description("The seed of every experiment. Default 0.")]
        public long Seed { get; init; }

        [CommandOption("--resume")]
        [Description("Continue an interrupted run all: finished experiments are kept, the one under way resumes from its checkpoints.")]
        public bool Resume { get; init; }

        [CommandOption("--quick"), Binds($"{nameof(LabOptions)}.{nameof(LabOptions.Quick)}")]
        [Description("Reduced budgets (fewer epochs and seeds, smaller rotated sets): the whole lab in a few minutes, every finding still visible.")]
        public bool Quick { get; init; }

        [CommandOption("--only <LIST>"), Binds($"{nameof(LabOptions)}.{nameof(LabOptions.Only)}")]
        [Description("Comma-separated subset of the experiments (see 'mnistlab run --help'). Default all.")]
        public string? Only { get; init; }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string outDir = settings.Out ?? Path.Combine("runs", "all");
        var options = new LabOptions
        {
            Quick = settings.Quick,
            Seed = settings.Seed,
            Only = settings.Only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        }.Validated();
        using var data = settings.OpenData();
        var lab = ConsoleProgress.Run(progress => Lab.Run(outDir, data, options,
            new RunSetup { Resume = settings.Resume, Progress = progress, Command = CliApp.Arguments, Cancel = cancellationToken }));

        var table = new Table().AddColumns("experiment", "figure", "value");
        foreach (var e in lab.Entry.Experiments)
            foreach (var (h, v) in e.Headlines)
                table.AddRow(e.Experiment, Markup.Escape(h.Label), h.Format(v));
        AnsiConsole.Write(table);
        foreach (var e in lab.Entry.Experiments.Where(e => e.Answer is not null))
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(e.Experiment)}[/]: {Markup.Escape(e.Answer!)}");
        AnsiConsole.MarkupLine($"{string.Join(", ", options.Experiments.Select(e => e.Name))} in {lab.TotalSeconds:F0} s. Index: [bold]{Markup.Escape(Path.Combine(outDir, "index.html"))}[/]");
        return 0;
    }
}
