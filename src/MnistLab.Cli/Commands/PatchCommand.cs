using System.ComponentModel;
using MnistLab.Analysis.Causal;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Activation patching: run corrupted images with one activation from their clean pair, point by point (and unit by unit), beside attribution patching's estimate; writes a report folder.")]
public sealed class PatchCommand : LabCommand<PatchCommand.Settings>
{
    public sealed class Settings : PairsSettings
    {
        [CommandOption("--point <NAME>")]
        [Description("Also patch each unit (dense) or channel (conv) of this point alone.")]
        public string? Point { get; init; }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        settings.CheckPairs();
        using var folder = ReportFolder.Open(settings.Out!);
        using var model = settings.LoadModel();
        using var data = settings.OpenData();
        using var pairs = settings.LoadPairs(data.Mnist);
        using var clean = model.Input(pairs.Clean);
        using var corrupt = model.Input(pairs.Corrupt);
        var result = ConsoleProgress.Run(progress => Patching.Compute(model.Model, clean, corrupt, settings.Point, progress));
        folder.Publish(f => PatchingReport.Write(result, pairs.Description, f, model.Path));

        var table = new Table().AddColumn("point").AddColumn(new TableColumn("share restored").RightAligned()).AddColumn(new TableColumn("attribution patching").RightAligned());
        foreach (var p in result.Points) table.AddRow(Markup.Escape(p.Name), $"{p.Restored:F3}", $"{p.Estimated:F3}");
        AnsiConsole.MarkupLine($"{Markup.Escape(pairs.Description)}:");
        AnsiConsole.Write(table);
        if (result.Point is not null)
            AnsiConsole.MarkupLine($"{result.Units.Count} units of {Markup.Escape(result.Point)} patched alone; measured against estimated: r = {result.Correlation:F3}.");
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(settings.Out!, "report.html"))}[/] (and report.md, metrics.json)");
        return 0;
    }
}
