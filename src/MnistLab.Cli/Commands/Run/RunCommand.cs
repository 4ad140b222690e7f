using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Experiments;
using MnistLab.Runs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Run;

/// <summary>Marks the settings class whose flags a `run NAME` command takes; an experiment without one takes the common flags and --set.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class FlagsOfAttribute(string experiment) : Attribute
{
    public string Experiment { get; } = experiment;
}

/// <summary>
/// `run NAME`: one experiment of the registry, its options bound from the flags, run into its report folder by the
/// library; then its headline figures and its answer.
/// </summary>
public sealed class RunCommand<TSettings> : LabCommand<TSettings> where TSettings : RunSettings
{
    protected override int Run(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        var experiment = Registry.Get(context.Name);
        var options = settings.Options(experiment);
        string outDir = settings.Out ?? Path.Combine("runs", experiment.Name);
        Reports.ReportFolder.Check(outDir); // before the data is loaded
        using var data = settings.OpenData();
        var run = ConsoleProgress.Run(progress => experiment.RunInto(options, outDir, data,
            new RunSetup { Resume = settings.Resume, Progress = progress, Command = CliApp.Arguments, Cancel = cancellationToken }));
        Summary.Write(experiment, run.Figures, run.Answer);
        return 0;
    }
}

/// <summary>The figures and answer of a run, as the console shows them.</summary>
static class Summary
{
    public static void Write(IExperiment experiment, IReadOnlyDictionary<string, double> figures, string answer)
    {
        var table = new Table().AddColumns("figure", "value");
        foreach (var h in experiment.Headlines.Where(h => figures.ContainsKey(h.Key)))
            table.AddRow(Markup.Escape(h.Label), h.Format(figures[h.Key]));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(experiment.Question)}[/] {Markup.Escape(answer)}");
    }
}
