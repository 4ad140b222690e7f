using System.ComponentModel;
using System.Globalization;
using MnistLab.Analysis.Causal;
using MnistLab.Analysis.Concepts;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Data;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace MnistLab.Cli.Commands;

[Description("TCAV: is a class's answer sensitive to a concept at a point? Concept activation vectors against random ones, with t-tests; writes a report folder.")]
public sealed class TcavCommand : LabCommand<TcavCommand.Settings>
{
    public sealed class Settings : ImagesSettings
    {
        [CommandOption("--layers <NAMES>"), OptionPath("layers", "Comma-separated points (see 'mnistlab model show'), e.g. relu1.", typeof(TcavOptions))]
        public string? Layers { get; init; }

        [CommandOption("--concepts <NAMES>"), OptionPath("concepts", "Comma-separated concepts: NAME (a two-valued concept's second value, e.g. ring; a continuous one's top quarter, e.g. thick) or NAME=VALUE (class=7, holes=2).", typeof(TcavOptions))]
        public string? Concepts { get; init; }

        [CommandOption("--concept-csv <FILE>"), OptionPath("concept_csv", "A CSV keyed by image index whose columns are concepts.", typeof(TcavOptions))]
        public string? ConceptCsv { get; init; }

        [CommandOption("--runs <N>"), OptionPath("runs", "Runs, each a CAV against its own random set and a random CAV for the null.", typeof(TcavOptions))]
        public int? Runs { get; init; }

        [CommandOption("--examples <N>"), OptionPath("examples", "Examples of the concept and of each random set per run.", typeof(TcavOptions))]
        public int? Examples { get; init; }

        [CommandOption("--class-images <N>"), OptionPath("class_images", "Images of each class whose directional derivatives are counted.", typeof(TcavOptions))]
        public int? ClassImages { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the example and random sets. Default 0.")]
        public long? Seed { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder (replaced only when TCAV succeeds, and only if empty or an earlier report).")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Layers)) return ValidationResult.Error("--layers: name the points to test, e.g. --layers relu1 (see 'mnistlab model show').");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
            return base.Validate();
        }
    }

    /// <summary>The images the concepts' examples, the random sets and the classes' images are drawn from, unless --images or --per-class says otherwise.</summary>
    static readonly ImageSelection DefaultImages = new("test", 0, 5000);

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var selection = settings.Selection(DefaultImages);
        var options = settings.Bind(new TcavOptions()).Validated();
        using var folder = ReportFolder.Open(settings.Out!);
        using var model = settings.LoadModel();
        using var data = settings.OpenData();
        var set = selection.SplitOf(data.Mnist);
        long[] indices = selection.Indices(data.Mnist);
        using var index = tensor(indices);
        using var images = set.Images.index_select(0, index);
        var labels = set.LabelArray();
        var pool = new ConceptImages(images, [.. indices.Select(i => labels[i])], [.. indices.Select(i => (int)i)]);
        var result = ConsoleProgress.Run(progress => Tcav.Compute(model.Model, model.Input, pool, options, progress, settings.Seed ?? 0));
        folder.Publish(f => TcavReport.Write(result, f, model.Path));

        var table = new Table().AddColumn("layer").AddColumn("concept");
        foreach (var k in result.Classes) table.AddColumn(new TableColumn(k.ToString(CultureInfo.InvariantCulture)).RightAligned());
        foreach (var layer in result.Layers)
            foreach (var concept in result.Concepts)
                table.AddRow([Markup.Escape(layer), Markup.Escape(concept), .. result.Classes.Select(k =>
                {
                    var row = result.Rows.First(x => x.Layer == layer && x.Concept == concept && x.Class == k);
                    return row.Significant ? $"[bold]{row.Score:F2}[/]" : $"[grey]{row.Score:F2}[/]";
                })]);
        AnsiConsole.MarkupLine("TCAV score per class (bold: significant against random CAVs):");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(settings.Out!, "report.html"))}[/] (and report.md, metrics.json)");
        return 0;
    }
}
