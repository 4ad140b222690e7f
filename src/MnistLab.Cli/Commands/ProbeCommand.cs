using System.ComponentModel;
using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Probes;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Common;
using MnistLab.Export;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("What each layer knows: a linear probe of every named point for every concept (with control task, MDL and MI), beside the pixels and a randomly initialised copy of the model; writes a report folder.")]
public sealed class ProbeCommand : LabCommand<ProbeCommand.Settings>
{
    public sealed class Settings : ModelChoiceSettings
    {
        [CommandOption("--layers <NAMES>")]
        [Description("Comma-separated points to probe (see 'mnistlab model show'), e.g. fc1,relu1 or enc.hidden,mu.")]
        public string? Layers { get; init; }

        [CommandOption("--concepts <NAMES>")]
        [Description("Comma-separated concepts: class, ring, holes, euler, size, thick, slant, width, height, stroke, or columns of --concept-csv (NAME:discrete or NAME:continuous sets a column's kind). Default class,ring,size,thick,slant.")]
        public string Concepts { get; init; } = "class,ring,size,thick,slant";

        [CommandOption("--concept-csv <FILE>")]
        [Description("A CSV keyed by image index (column 'index' as 'mnistlab features' writes it, or 'image') whose columns are concepts.")]
        public string? ConceptCsv { get; init; }

        [CommandOption("--split <SPLIT>")]
        [Description("train or test: the images probed are the first --count of this split. Default test.")]
        public string Split { get; init; } = "test";

        [CommandOption("--count <N>"), Binds("ProbeTableOptions.Images")]
        [Description("Images probed, split by the probe into fitting and held-out images. Default 5000.")]
        public int Count { get; init; } = 5000;

        [CommandOption("--test-fraction <X>"), Binds("ProbeOptions.TestFraction")]
        [Description("Share of the images held out to measure each probe. Default 0.2.")]
        public double TestFraction { get; init; } = 0.2;

        [CommandOption("--folds <K>"), Binds("ProbeOptions.Folds")]
        [Description("Folds of the cross-validation that chooses each probe's regularisation. Default 5.")]
        public int Folds { get; init; } = 5;

        [CommandOption("--bootstrap <N>"), Binds("ProbeOptions.Bootstrap")]
        [Description("Bootstrap resamples of each MI interval. Default 200.")]
        public int Bootstrap { get; init; } = 200;

        [CommandOption("--null <N>"), Binds("ProbeOptions.Null")]
        [Description("Shuffles of each MI null. Default 200.")]
        public int Null { get; init; } = 200;

        [CommandOption("--max-features <N>"), Binds("ProbeOptions.MaxFeatures")]
        [Description("Wider points are average-pooled (feature maps) or randomly projected to this many features. Default 2048.")]
        public int MaxFeatures { get; init; } = 2048;

        [CommandOption("--no-baselines")]
        [Description("Skip the pixel and random-copy baselines.")]
        public bool NoBaselines { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the split, folds, control task, random copy and resamples. Default 0.")]
        public long Seed { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder (replaced only when the probe succeeds, and only if empty or an earlier report).")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Layers)) return ValidationResult.Error("--layers: name the points to probe, e.g. --layers fc1,relu1 (see 'mnistlab model show').");
            if (Split is not ("train" or "test")) return ValidationResult.Error($"--split must be train or test, got '{Split}'.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
            return base.Validate();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = new ProbeTableOptions
        {
            Layers = Split(settings.Layers!),
            Concepts = Split(settings.Concepts),
            ConceptCsv = settings.ConceptCsv,
            Images = settings.Count,
            Baselines = !settings.NoBaselines,
            Probe = new ProbeOptions
            {
                TestFraction = settings.TestFraction, Folds = settings.Folds, Bootstrap = settings.Bootstrap, Null = settings.Null,
                MaxFeatures = settings.MaxFeatures,
            },
        }.Validated();
        ReportFolder.CheckReplaceable(Path.GetFullPath(settings.Out!), settings.Out!);
        settings.ApplyThreads();
        var (model, input) = settings.LoadModel();
        using var _ = model;
        using var data = settings.OpenData();
        var set = settings.Split == "train" ? data.Mnist.Train : data.Mnist.Test;
        int count = Math.Min(options.Images, set.Count);
        using var images = set.Images.narrow(0, 0, count);
        var concepts = new ConceptImages(images, set.LabelArray()[..count]);
        var result = ConsoleProgress.Run(progress => ProbeTable.Compute(model, input, concepts, options with { Images = count }, progress, settings.Seed));
        ProbeTableReport.Write(result, settings.Out!, settings.ModelSource);

        var table = new Table().AddColumn("layer");
        foreach (var c in result.Concepts) table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        foreach (var l in result.Layers)
            table.AddRow([Markup.Escape(l.Name), .. result.Concepts.Select(c => { var p = result.Get(l.Name, c); return $"{p.Score:F3} / {p.Selectivity:+0.000;-0.000}"; })]);
        AnsiConsole.MarkupLine("Score / selectivity on the held-out images:");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(settings.Out!, "report.html"))}[/] (and report.md, metrics.json)");
        return 0;
    }

    static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
