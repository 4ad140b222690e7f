using System.ComponentModel;
using MnistLab.Analysis;
using MnistLab.Common;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace MnistLab.Cli.Commands;

[Description("Print I(column; label) for every other column of a CSV, with seed 002's binned estimator.")]
public sealed class MiCommand : Command<MiCommand.Settings>
{
    public sealed class Settings : ToolSettings
    {
        [CommandOption("--csv <FILE>")]
        [Description("CSV with a header row; every column but the label must be numeric.")]
        public string? Csv { get; init; }

        [CommandOption("--label-column <NAME>")]
        [Description("Column holding the class (any values; each distinct value is a class).")]
        public string? LabelColumn { get; init; }

        [CommandOption("--bins <N>")]
        [Description("Number of equal bins. Default 10.")]
        public int Bins { get; init; } = 10;

        [CommandOption("--min <X>")]
        [Description("Lower edge; values below fall in the first bin. Default -3.")]
        public double Min { get; init; } = -3;

        [CommandOption("--max <X>")]
        [Description("Upper edge; values above fall in the last bin. Default 3.")]
        public double Max { get; init; } = 3;

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Csv)) return ValidationResult.Error("--csv FILE is required.");
            if (string.IsNullOrWhiteSpace(LabelColumn)) return ValidationResult.Error("--label-column NAME is required.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var bins = new MiBins(settings.Bins, settings.Min, settings.Max).Validated();
        settings.ApplyThreads();
        var table = CsvTable.Read(settings.Csv!, settings.LabelColumn!);
        using var scope = NewDisposeScope();
        var y = tensor(table.Values, [table.Rows, table.Columns.Count]);
        var c = tensor(table.Labels, [table.Rows]);
        double[] mi = MutualInformation.Hard(y, c, bins, table.Classes);
        var output = new Table().AddColumns("column", "I(column; label) nats", "bits");
        foreach (var (name, v) in table.Columns.Zip(mi).OrderByDescending(p => p.Second))
            output.AddRow(Markup.Escape(name), v.ToString("F4"), (v / Math.Log(2)).ToString("F4"));
        AnsiConsole.Write(output);
        string summary = $"{table.Rows:N0} rows, {table.Classes} classes (H(label) = {MutualInformation.Entropy(table.Labels):F4} nats, the most any column can carry), {bins.Count} bins on [{bins.Min}, {bins.Max}]";
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(summary)}[/]");
        return 0;
    }
}
