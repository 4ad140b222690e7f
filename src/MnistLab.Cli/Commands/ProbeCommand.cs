using System.ComponentModel;
using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Probes;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Export;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace MnistLab.Cli.Commands;

[Description("What each layer knows: a linear probe of every named point for every concept (with control task, MDL and MI), beside the pixels and a randomly initialised copy of the model; writes a report folder.")]
public sealed class ProbeCommand : LabCommand<ProbeCommand.Settings>
{
    public sealed class Settings : ImagesSettings
    {
        [CommandOption("--layers <NAMES>"), OptionPath("layers", "Comma-separated points to probe (see 'mnistlab model show'), e.g. fc1,relu1 or enc.hidden,mu.", typeof(ProbeTableOptions))]
        public string? Layers { get; init; }

        [CommandOption("--concepts <NAMES>"), OptionPath("concepts", "Comma-separated concepts: class, ring, holes, euler, size, thick, slant, width, height, stroke, or columns of --concept-csv (NAME:discrete or NAME:continuous sets a column's kind).", typeof(ProbeTableOptions))]
        public string? Concepts { get; init; }

        [CommandOption("--concept-csv <FILE>"), OptionPath("concept_csv", "A CSV keyed by image index (column 'index' as 'mnistlab features' writes it, or 'image') whose columns are concepts.", typeof(ProbeTableOptions))]
        public string? ConceptCsv { get; init; }

        [CommandOption("--test-fraction <X>"), OptionPath("probe.test_fraction", "Share of the images held out to measure each probe.", typeof(ProbeTableOptions))]
        public double? TestFraction { get; init; }

        [CommandOption("--folds <K>"), OptionPath("probe.folds", "Folds of the cross-validation that chooses each probe's regularisation.", typeof(ProbeTableOptions))]
        public int? Folds { get; init; }

        [CommandOption("--bootstrap <N>"), OptionPath("probe.bootstrap", "Bootstrap resamples of each MI interval.", typeof(ProbeTableOptions))]
        public int? Bootstrap { get; init; }

        [CommandOption("--null <N>"), OptionPath("probe.null", "Shuffles of each MI null.", typeof(ProbeTableOptions))]
        public int? Null { get; init; }

        [CommandOption("--max-features <N>"), OptionPath("probe.max_features", "Wider points are average-pooled (feature maps) or randomly projected to this many features.", typeof(ProbeTableOptions))]
        public int? MaxFeatures { get; init; }

        [CommandOption("--fast"), OptionPath("probe.fast", "Point estimates only: each probe's score, control score and MI estimate, without the MI's interval and null or the online code (MDL); about a quarter less time.", typeof(ProbeTableOptions))]
        public bool Fast { get; init; }

        [CommandOption("--no-baselines"), Binds($"{nameof(ProbeTableOptions)}.{nameof(ProbeTableOptions.Baselines)}")]
        [Description("Skip the pixel and random-copy baselines.")]
        public bool NoBaselines { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the split, folds, control task, random copy and resamples. Default 0.")]
        public long? Seed { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder (replaced only when the probe succeeds, and only if empty or an earlier report).")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Layers)) return ValidationResult.Error("--layers: name the points to probe, e.g. --layers fc1,relu1 (see 'mnistlab model show').");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
            return base.Validate();
        }
    }

    /// <summary>The images a probe reads unless --images or --per-class says otherwise.</summary>
    static readonly ImageSelection DefaultImages = new("test", 0, 5000);

    /// <summary>Below this many held-out images a probe's score is too noisy to read; the command says so.</summary>
    const int FewHeldOut = 50;

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var selection = settings.Selection(DefaultImages);
        var options = settings.Bind(new ProbeTableOptions { Images = selection.Count }, settings.NoBaselines ? [("baselines", "false")] : null).Validated();
        using var folder = ReportFolder.Open(settings.Out!); // one writer, and a place that can be written, before any work
        using var model = settings.LoadModel();
        using var data = settings.OpenData();
        var set = selection.SplitOf(data.Mnist);
        long[] indices = selection.Indices(data.Mnist);
        using var index = tensor(indices);
        using var images = set.Images.index_select(0, index);
        var labels = set.LabelArray();
        var concepts = new ConceptImages(images, indices.Select(i => labels[i]).ToArray(), indices.Select(i => (int)i).ToArray());
        int heldOut = (int)Math.Round(indices.Length * options.Probe.TestFraction);
        if (heldOut < FewHeldOut)
            AnsiConsole.MarkupLine($"[yellow]warning:[/] each probe is scored on {heldOut} held-out images (fewer than {FewHeldOut}); its score will be noisy. Give more --images.");
        var result = ConsoleProgress.Run(progress => ProbeTable.Compute(model.Model, model.Input, concepts, options with { Images = indices.Length }, progress, settings.Seed ?? 0));
        folder.Publish(f => ProbeTableReport.Write(result, f, model.Path));

        var table = new Table().AddColumn("layer");
        foreach (var c in result.Concepts) table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        foreach (var l in result.Layers)
            table.AddRow([Markup.Escape(l.Name), .. result.Concepts.Select(c => { var p = result.Get(l.Name, c); return $"{p.Score:F3} / {p.Selectivity:+0.000;-0.000}"; })]);
        AnsiConsole.MarkupLine("Score / selectivity on the held-out images:");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(settings.Out!, "report.html"))}[/] (and report.md, metrics.json)");
        return 0;
    }

}
