using System.ComponentModel;
using MnistLab.Analysis.Causal;
using MnistLab.Analysis.Concepts;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Data;
using MnistLab.Export;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace MnistLab.Cli.Commands;

[Description("Encoded or used? Erase concepts from named points (LEACE or INLP), then measure whether a probe still reads them and what the model loses, against erasing random subspaces of the same rank; writes a report folder with the erasers.")]
public sealed class EraseCommand : LabCommand<EraseCommand.Settings>
{
    public sealed class Settings : ImagesSettings
    {
        [CommandOption("--layers <NAMES>"), OptionPath("layers", "Comma-separated points to erase from (see 'mnistlab model show'), e.g. fc1,relu1.", typeof(ErasureOptions))]
        public string? Layers { get; init; }

        [CommandOption("--concepts <NAMES>"), OptionPath("concepts", "Comma-separated concepts: class, ring, holes, euler, size, thick, slant, width, height, stroke, or columns of --concept-csv.", typeof(ErasureOptions))]
        public string? Concepts { get; init; }

        [CommandOption("--concept-csv <FILE>"), OptionPath("concept_csv", "A CSV keyed by image index whose columns are concepts (of the training and the evaluation images).", typeof(ErasureOptions))]
        public string? ConceptCsv { get; init; }

        [CommandOption("--method <NAME>"), OptionPath("method", "leace (closed form, the least change that leaves no linear trace) or inlp (iterated nullspace projections).", typeof(ErasureOptions))]
        public string? Method { get; init; }

        [CommandOption("--fit-images <N>"), OptionPath("fit_images", "The first N training images fit the erasers.", typeof(ErasureOptions))]
        public int? FitImages { get; init; }

        [CommandOption("--controls <N>"), OptionPath("controls", "Random subspaces of the same rank erased as the control.", typeof(ErasureOptions))]
        public int? Controls { get; init; }

        [CommandOption("--max-width <N>"), OptionPath("max_width", "Widest point (values per image) to fit an eraser on.", typeof(ErasureOptions))]
        public int? MaxWidth { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the probes' split and the control subspaces. Default 0.")]
        public long? Seed { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder (replaced only when the erasure succeeds, and only if empty or an earlier report).")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Layers)) return ValidationResult.Error("--layers: name the points to erase from, e.g. --layers relu1 (see 'mnistlab model show').");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
            return base.Validate();
        }
    }

    /// <summary>The images everything but the erasers is measured on, unless --images or --per-class says otherwise.</summary>
    static readonly ImageSelection DefaultImages = new("test", 0, 5000);

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var selection = settings.Selection(DefaultImages);
        var options = settings.Bind(new ErasureOptions()).Validated();
        using var folder = ReportFolder.Open(settings.Out!); // one writer, and a place that can be written, before any work
        using var model = settings.LoadModel();
        using var data = settings.OpenData();
        var evalSet = selection.SplitOf(data.Mnist);
        long[] evalIndices = selection.Indices(data.Mnist);
        using var evalIndex = tensor(evalIndices);
        using var evalImages = evalSet.Images.index_select(0, evalIndex);
        var evalLabels = evalSet.LabelArray();
        var eval = new ConceptImages(evalImages, [.. evalIndices.Select(i => evalLabels[i])], [.. evalIndices.Select(i => (int)i)]);
        using var fitImages = data.Mnist.Train.Images.narrow(0, 0, options.FitImages);
        var fit = new ConceptImages(fitImages, data.Mnist.Train.LabelArray()[..options.FitImages], [.. Enumerable.Range(0, options.FitImages)]);
        if (selection.Split == "train" && evalIndices.Any(i => i < options.FitImages))
            AnsiConsole.MarkupLine($"[yellow]warning:[/] the evaluation images overlap the first {options.FitImages} training images the erasers are fitted on.");

        ErasureResult? result = null;
        folder.Publish(f =>
        {
            Directory.CreateDirectory(Path.Combine(f.Staging, ErasureReport.ErasersFolder));
            result = ConsoleProgress.Run(progress => Erasure.Compute(model.Model, model.Input, fit, eval, options, progress, settings.Seed ?? 0,
                (layer, concept, eraser) => NpzWriter.Write(ErasureReport.EraserFile(f, layer, concept),
                    [new("M", [eraser.Width, eraser.Width], eraser.M.data<double>().ToArray()), new("mean", [eraser.Width], eraser.Mean.data<double>().ToArray())])));
            ErasureReport.Write(result, f, model.Path);
        });

        var table = new Table().AddColumn("layer").AddColumn("concept").AddColumn(new TableColumn("rank").RightAligned())
            .AddColumn(new TableColumn("probe before → after (constant)").RightAligned()).AddColumn(new TableColumn("accuracy before → after").RightAligned())
            .AddColumn(new TableColumn("control after").RightAligned()).AddColumn(new TableColumn("used").RightAligned());
        foreach (var r in result!.Rows)
            table.AddRow(Markup.Escape(r.Layer), Markup.Escape(r.Concept), r.Rank.ToString(), $"{r.ProbeBefore:F3} → {r.ProbeAfter:F3} ({r.ConstantScore:F3})",
                $"{r.AccBefore:P2} → {r.AccAfter:P2}", $"{r.ControlAccAfter.Mean:P2}", $"{r.Used * 100:+0.00;-0.00} pp");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(settings.Out!, "report.html"))}[/] (and report.md, metrics.json, erasers/)");
        return 0;
    }
}
