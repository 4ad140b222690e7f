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

[Description("Circuits: the fewest edges between units and channels that still do a task given as image pairs, by ACDC and by edge attribution patching; writes a report folder.")]
public sealed class CircuitCommand : LabCommand<CircuitCommand.Settings>
{
    public sealed class Settings : ImagesSettings
    {
        [CommandOption("--pairs <KIND|FILE>")]
        [Description("fill-holes (each image with a hole against it with its holes filled), shift (against it shifted 4 pixels right), or a CSV 'clean,corrupted' of image indices into --images. Default fill-holes.")]
        public string? Pairs { get; init; }

        [CommandOption("--count <N>")]
        [Description("At most this many pairs made by fill-holes or shift. Default 100.")]
        public int? Count { get; init; }

        [CommandOption("--thresholds <KLS>"), OptionPath("thresholds", "Comma-separated KL thresholds of ACDC: an edge is removed when that raises the KL divergence from the full model by less.", typeof(CircuitOptions))]
        public string? Thresholds { get; init; }

        [CommandOption("--max-edges <N>"), OptionPath("max_edges", "A model with more edges is refused (ACDC runs it once per edge and threshold).", typeof(CircuitOptions))]
        public long? MaxEdges { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder (replaced only when the search succeeds, and only if empty or an earlier report).")]
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
        var options = settings.Bind(new CircuitOptions()).Validated();
        string pairsArg = settings.Pairs ?? PatchPairs.FillHoles;
        if (pairsArg is not (PatchPairs.FillHoles or PatchPairs.Shift) && !File.Exists(pairsArg))
            throw new MnistLab.Common.InvalidOptionException("pairs", $"--pairs {pairsArg}: neither {PatchPairs.FillHoles}, {PatchPairs.Shift} nor an existing CSV file of pairs ('clean,corrupted').");
        using var folder = ReportFolder.Open(settings.Out!);
        using var model = settings.LoadModel();
        using var data = settings.OpenData();
        using var index = tensor(selection.Indices(data.Mnist));
        using var images = selection.SplitOf(data.Mnist).Images.index_select(0, index);
        using var pairs = pairsArg is PatchPairs.FillHoles or PatchPairs.Shift
            ? PatchPairs.Make(pairsArg, images, settings.Count ?? 100)
            : PatchPairs.FromCsv(pairsArg, images);
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
