using System.ComponentModel;
using MnistLab.Analysis.Causal;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Circuits: the fewest edges between units and channels that still do a task given as image pairs, by ACDC and by edge attribution patching; writes a report folder.")]
public sealed class CircuitCommand : LabCommand<CircuitCommand.Settings>
{
    public sealed class Settings : PairsSettings
    {
        [CommandOption("--thresholds <KLS>"), OptionPath("thresholds", "Comma-separated KL thresholds of ACDC: an edge is removed when that raises the KL divergence from the full model by less.", typeof(CircuitOptions))]
        public string? Thresholds { get; init; }

        [CommandOption("--max-edges <N>"), OptionPath("max_edges", "A model with more edges is refused (ACDC runs it once per edge and threshold).", typeof(CircuitOptions))]
        public long? MaxEdges { get; init; }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.Bind(new CircuitOptions()).Validated();
        settings.CheckPairs();
        using var folder = ReportFolder.Open(settings.Out!);
        using var model = settings.LoadModel();
        using var data = settings.OpenData();
        using var pairs = settings.LoadPairs(data.Mnist);
        using var clean = model.Input(pairs.Clean);
        using var corrupt = model.Input(pairs.Corrupt);
        var result = ConsoleProgress.Run(progress => Circuits.Find(model.Model, clean, corrupt, options, progress));
        folder.Publish(f => CircuitReport.Write(result, pairs.Description, f, model.Path));

        var table = new Table().AddColumn("τ").AddColumn(new TableColumn("edges kept").RightAligned()).AddColumn(new TableColumn("KL").RightAligned())
            .AddColumn(new TableColumn("share of m kept").RightAligned()).AddColumn(new TableColumn("agreement with EAP").RightAligned());
        foreach (var c in result.Acdc)
            table.AddRow($"{c.Threshold:G4}", $"{c.Edges.Count} of {result.Edges:N0}", $"{c.Kl:F5}", $"{c.Restored:F3}", $"{c.Agreement:F3}");
        AnsiConsole.MarkupLine($"{Markup.Escape(pairs.Description)}; with every edge patched the KL from the full model is {result.CorruptKl:F5} " +
                               "(a threshold near it removes everything). ACDC's circuits:");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(settings.Out!, "report.html"))}[/] (and report.md, metrics.json, edges.csv)");
        return 0;
    }
}
