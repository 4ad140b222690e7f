using System.ComponentModel;
using MnistLab.Analysis.Causal;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Data;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace MnistLab.Cli.Commands;

[Description("Activation patching: run corrupted images with one activation from their clean pair, point by point (and unit by unit), beside attribution patching's estimate; writes a report folder.")]
public sealed class PatchCommand : LabCommand<PatchCommand.Settings>
{
    public sealed class Settings : ImagesSettings
    {
        [CommandOption("--pairs <KIND|FILE>")]
        [Description("fill-holes (each image with a hole against it with its holes filled), shift (against it shifted 4 pixels right), or a CSV 'clean,corrupted' of image indices into --images. Default fill-holes.")]
        public string? Pairs { get; init; }

        [CommandOption("--count <N>")]
        [Description("At most this many pairs made by fill-holes or shift. Default 200.")]
        public int? Count { get; init; }

        [CommandOption("--point <NAME>")]
        [Description("Also patch each unit (dense) or channel (conv) of this point alone.")]
        public string? Point { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder (replaced only when patching succeeds, and only if empty or an earlier report).")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
            if (Count is < 1 or > 100_000) return ValidationResult.Error($"--count must be between 1 and 100000, got {Count}.");
            return base.Validate();
        }
    }

    static readonly ImageSelection DefaultImages = new("test", 0, 2000);

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var selection = settings.Selection(DefaultImages);
        string pairsArg = settings.Pairs ?? PatchPairs.FillHoles;
        if (pairsArg is not (PatchPairs.FillHoles or PatchPairs.Shift) && !File.Exists(pairsArg))
            throw new MnistLab.Common.InvalidOptionException("pairs", $"--pairs {pairsArg}: neither {PatchPairs.FillHoles}, {PatchPairs.Shift} nor an existing CSV file of pairs ('clean,corrupted').");
        using var folder = ReportFolder.Open(settings.Out!);
        using var model = settings.LoadModel();
        using var data = settings.OpenData();
        using var index = tensor(selection.Indices(data.Mnist));
        using var images = selection.SplitOf(data.Mnist).Images.index_select(0, index);
        using var pairs = pairsArg is PatchPairs.FillHoles or PatchPairs.Shift
            ? PatchPairs.Make(pairsArg, images, settings.Count ?? 200)
            : PatchPairs.FromCsv(pairsArg, images);
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
