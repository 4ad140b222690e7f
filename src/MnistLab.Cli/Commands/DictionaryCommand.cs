using System.ComponentModel;
using System.Globalization;
using MnistLab.Analysis.Dictionaries;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Import;
using MnistLab.Reports;
using MnistLab.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("What features did the network find by itself? Learns a sparse dictionary (a sparse autoencoder) on a named point's activations, or on any activation matrix, and measures it: L0, FVU, dead and dense features, the model with the reconstruction spliced in. Writes dictionary.npy, encoder.npy, bias.npy, metrics.json and a report.")]
public sealed class DictionaryCommand : LabCommand<DictionaryCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--checkpoint <FILE>"), Binds("checkpoint")]
        [Description("A .ckpt file written by any run.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--model <DIR>"), Binds("model")]
        [Description("A model folder written by 'mnistlab model import'.")]
        public string? Model { get; init; }

        [CommandOption("--activations <FILE>"), Binds("activations")]
        [Description("An activation matrix as .npy (float32 or float64, rows are samples), e.g. exported from PyTorch with numpy.save; a seeded tenth of its rows is held out.")]
        public string? Activations { get; init; }

        [CommandOption("--layer <NAME>"), Binds("point")]
        [Description("The point of --checkpoint or --model (see 'mnistlab model show'): a conv point is read per position (channels as features), any other per image.")]
        public string? Layer { get; init; }

        [CommandOption("--kind <KIND>"), OptionPath("kind", "topk (Gao et al. 2024), relu-l1 (Anthropic's L1 weighted by decoder norm) or jumprelu (Rajamanoharan et al. 2024).", typeof(DictionaryOptions))]
        public string? Kind { get; init; }

        [CommandOption("--width <N>"), OptionPath("width", "Number of features.", typeof(DictionaryOptions))]
        public int? Width { get; init; }

        [CommandOption("-k|--topk <K>"), OptionPath("k", "topk: features kept per row. Default 32.", typeof(DictionaryOptions))]
        public int? K { get; init; }

        [CommandOption("--l1 <C>"), OptionPath("l1", "relu-l1: weight of the L1 penalty (default 5); jumprelu: weight of the L0 penalty (default 1).", typeof(DictionaryOptions))]
        public double? L1 { get; init; }

        [CommandOption("--aux <C>"), OptionPath("aux_coefficient", "topk: weight of Gao et al.'s auxiliary loss that revives dead features; 0 turns it off.", typeof(DictionaryOptions))]
        public double? Aux { get; init; }

        [CommandOption("--epochs <E>"), OptionPath("epochs", "Passes over the training rows.", typeof(DictionaryOptions))]
        public int? Epochs { get; init; }

        [CommandOption("--batch-size <N>"), OptionPath("batch_size", "Rows per optimiser step.", typeof(DictionaryOptions))]
        public int? BatchSize { get; init; }

        [CommandOption("--lr <X>"), OptionPath("learning_rate", "Adam's step size.", typeof(DictionaryOptions))]
        public double? LearningRate { get; init; }

        [CommandOption("--concepts <NAMES>"), OptionPath("concepts", "Comma-separated known concepts each feature is scored against on the test images (AUC for discrete ones, |Spearman ρ| for continuous ones): class, ring, holes, euler, size, thick, slant, width, height, stroke.", typeof(DictionaryOptions))]
        public string? Concepts { get; init; }

        [CommandOption("--explain <BOOL>"), OptionPath("explain", "For a classifier's point, each tabled feature's measured logit effect and mean Integrated Gradients map (default true): about 30 forward and backward passes of the model per test image and 256 per feature; false for a large model.", typeof(DictionaryOptions))]
        public bool? Explain { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the initial weights, the shuffles and the held-out rows of --activations. Default 0.")]
        public long? Seed { get; init; }

        [CommandOption("--resume")]
        [Description("Continue an interrupted run into the same --out from its last finished epoch.")]
        public bool Resume { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder (replaced only when the run succeeds, and only if empty or an earlier report).")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            int sources = new[] { Checkpoint, Model, Activations }.Count(s => s is not null);
            if (sources != 1)
                return ValidationResult.Error("give one of --checkpoint FILE (a .ckpt written by any run), --model DIR (an imported model's folder) or --activations FILE.npy (an activation matrix).");
            if (Activations is null && string.IsNullOrWhiteSpace(Layer)) return ValidationResult.Error("--layer: name the point to read (see 'mnistlab model show'), e.g. --layer relu1.");
            if (Activations is not null && Layer is not null) return ValidationResult.Error("--layer names a point of a model; --activations is already the matrix to read.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
            return base.Validate();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.Bind(new DictionaryOptions()).Validated();
        long seed = settings.Seed ?? 0;
        using var folder = ReportFolder.Open(settings.Out!); // one writer, and a place that can be written, before any work

        SparseDictionaryResult result;
        DataProvenance provenance;
        using var data = settings.Activations is null ? settings.OpenData() : null; // MNIST is read on first use
        if (settings.Activations is { } file)
        {
            using var rows = MatrixRows.FromNpy(file, options.HeldOutFraction, seed);
            provenance = DataProvenance.OfFiles("activation matrix", [file]);
            result = Learn(rows, options, seed, folder, settings.Resume, provenance, cancellationToken);
        }
        else
        {
            using var model = LoadedModel.Load(settings.Checkpoint, settings.Model);
            MnistLab.Models.Activations.Find(model.Model, settings.Layer!); // an unknown point is named before MNIST is read
            var point = new PointRows(model, settings.Layer!, data!.Mnist.Train, data.Mnist.Test, options.ReadBatch);
            provenance = data.Mnist.Provenance;
            CommonSettings.Log(point.Description);
            result = Learn(point, options, seed, folder, settings.Resume, provenance, cancellationToken);
        }
        folder.Publish(f => DictionaryReport.Write(result, f, provenance, CliApp.Arguments, data?.Mnist.Test));

        var m = result.Metrics;
        var table = new Table().AddColumns("L0", "FVU", "dead", "dense", "accuracy spliced / model", "loss recovered");
        string Pct(double v) => v.ToString("P2", CultureInfo.InvariantCulture);
        table.AddRow(m.L0.ToString("F2", CultureInfo.InvariantCulture), m.Fvu.ToString("F4", CultureInfo.InvariantCulture), $"{m.Dead}", $"{m.Dense}",
            result.Splice is { } s ? $"{Pct(s.Dictionary.Accuracy)} / {Pct(s.Model.Accuracy)}" : "-", result.Splice is { } s2 ? Pct(s2.LossRecovered) : "-");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(settings.Out!, "report.html"))}[/] (and report.md, metrics.json, dictionary.npy)");
        return 0;
    }

    static SparseDictionaryResult Learn(IActivationRows rows, DictionaryOptions options, long seed, ReportFolder folder, bool resume, DataProvenance provenance, CancellationToken cancel)
    {
        if (!resume && folder.DiscardInterrupted()) CommonSettings.Log($"discarded the checkpoints of an interrupted run into {folder.Given} (--resume continues such a run)");
        folder.EnsureWritable();
        var description = RunDescription.Of("dictionary", new { options, seed, source = rows.Description }, provenance);
        var checkpoints = new Checkpointing(ReportFolder.CheckpointsOf(folder.Target), resume ? CheckpointMode.Resume : CheckpointMode.Fresh, description);
        return ConsoleProgress.Run(progress => SparseDictionary.Compute(rows, options, seed, progress, checkpoints, cancel));
    }
}
