using System.ComponentModel;
using System.Globalization;
using System.Text;
using MnistLab.Analysis;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace MnistLab.Cli.Commands;

[Description("Print I(column; label) for every other column of a CSV, with seed 002's binned estimator.")]
public sealed class MiCommand : LabCommand<MiCommand.Settings>
{
    public sealed class Settings : ToolSettings
    {
        [CommandOption("--csv <FILE>")]
        [Description("CSV with a header row; every column but the label must be numeric.")]
        public string? Csv { get; init; }

        [CommandOption("--label-column <NAME>"), Binds("labelColumn")]
        [Description("Column holding the class (any values; each distinct value is a class).")]
        public string? LabelColumn { get; init; }

        [CommandOption("--bins <N>"), Binds("MiBins.Count")]
        [Description("Number of equal bins. Default 10.")]
        public int Bins { get; init; } = 10;

        [CommandOption("--min <X>"), Binds("MiBins.Min")]
        [Description("Lower edge; values below fall in the first bin. Default -3.")]
        public double Min { get; init; } = -3;

        [CommandOption("--max <X>")]
        [Description("Upper edge; values above fall in the last bin. Default 3.")]
        public double Max { get; init; } = 3;

        [CommandOption("--out <FILE>")]
        [Description("Also write every estimate with full float64 precision: FILE.csv (column,mi_nats,mi_bits) or FILE.json.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Csv)) return ValidationResult.Error("--csv FILE is required.");
            if (Out is not null && !Out.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !Out.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                return ValidationResult.Error($"--out must name a .csv or .json file, got '{Out}'.");
            if (string.IsNullOrWhiteSpace(LabelColumn)) return ValidationResult.Error("--label-column NAME is required.");
            return base.Validate();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
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
        double entropy = MutualInformation.Entropy(table.Labels);
        string summary = $"{table.Rows:N0} rows, {table.Classes} classes (H(label) = {entropy:F4} nats, the most any column can carry), {bins.Count} bins on [{bins.Min}, {bins.Max}]";
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(summary)}[/]");
        if (settings.Out is { } file)
        {
            AtomicFile.WriteAllText(file, file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                ? Json.Serialize(new
                {
                    csv = settings.Csv,
                    label_column = settings.LabelColumn,
                    rows = table.Rows,
                    classes = table.Classes,
                    label_entropy_nats = entropy,
                    bins = new { count = bins.Count, min = bins.Min, max = bins.Max },
                    columns = table.Columns.Zip(mi).Select(p => new { column = p.First, mi_nats = p.Second, mi_bits = p.Second / Math.Log(2) }),
                })
                : Csv(table.Columns, mi));
            AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(file)}[/]");
        }
        return 0;
    }

    /// <summary>One row per column in the input's order; "R" keeps every bit of each float64.</summary>
    static string Csv(IReadOnlyList<string> columns, double[] mi)
    {
        var sb = new StringBuilder("column,mi_nats,mi_bits\n");
        for (int i = 0; i < columns.Count; i++)
        {
            string name = columns[i].Contains(',') || columns[i].Contains('"') ? $"\"{columns[i].Replace("\"", "\"\"")}\"" : columns[i];
            sb.Append(CultureInfo.InvariantCulture, $"{name},{mi[i]:R},{mi[i] / Math.Log(2):R}\n");
        }
        return sb.ToString();
    }
}
