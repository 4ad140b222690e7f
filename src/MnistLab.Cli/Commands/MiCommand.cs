using System.ComponentModel;
using System.Globalization;
using System.Text;
using MnistLab.Analysis.Information;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Print I(column; label) for every other column of a CSV: seed 002's binned estimator by default, or any registered estimator, with a bootstrap interval and a shuffle-null p-value on request.")]
public sealed class MiCommand : LabCommand<MiCommand.Settings>
{
    public sealed class Settings : ToolSettings
    {
        [CommandOption("--csv <FILE>")]
        [Description("CSV with a header row; every column but the label must be numeric.")]
        public string? Csv { get; init; }

        [CommandOption("--label-column <NAME>"), Binds("labelColumn")]
        [Description("Column holding the class (any values; each distinct value is a class). With --estimator ksg it must be numeric.")]
        public string? LabelColumn { get; init; }

        [CommandOption("--estimator <NAME>"), OptionPath("estimator", "plugin (seed 002's), miller-madow, panzeri-treves, ross (nearest neighbours, scikit-learn's mutual_info_classif), ksg (two continuous variables), probe (H(label) minus a logistic probe's held-out cross-entropy).", typeof(MiOptions), DefaultsFrom = typeof(MiCommand))]
        public string? Estimator { get; init; }

        [CommandOption("--binning <KIND>"), Binds("Binning.Kind")]
        [Description("For the binned estimators: width (equal-width bins from --min to --max, the default) or mass (equal-mass bins).")]
        public string? Binning { get; init; }

        [CommandOption("--bins <N>"), OptionPath("binning.count", "Number of bins.", typeof(MiOptions), DefaultsFrom = typeof(MiCommand))]
        public int? Bins { get; init; }

        [CommandOption("--min <X>"), OptionPath("binning.min", "Lower edge; values below fall in the first bin.", typeof(MiOptions), DefaultsFrom = typeof(MiCommand))]
        public double? Min { get; init; }

        [CommandOption("--max <X>"), OptionPath("binning.max", "Upper edge; values above fall in the last bin.", typeof(MiOptions), DefaultsFrom = typeof(MiCommand))]
        public double? Max { get; init; }

        [CommandOption("--neighbours <K>"), OptionPath("neighbours", "k of the nearest-neighbour estimators.", typeof(MiOptions), DefaultsFrom = typeof(MiCommand))]
        public int? Neighbours { get; init; }

        [CommandOption("--bootstrap <N>"), OptionPath("bootstrap", "Bootstrap resamples for a 95% interval of each estimate (0: no interval).", typeof(MiOptions), DefaultsFrom = typeof(MiCommand))]
        public int? Bootstrap { get; init; }

        [CommandOption("--null <N>"), OptionPath("null", "Shuffles of the label for a null p-value of each estimate (0: no p-value).", typeof(MiOptions), DefaultsFrom = typeof(MiCommand))]
        public int? Null { get; init; }

        [CommandOption("--seed <N>"), OptionPath("seed", "Seed of the resamples, shuffles, jitter and probe split.", typeof(MiOptions), DefaultsFrom = typeof(MiCommand))]
        public long? Seed { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Also write every estimate with full float64 precision: FILE.csv (column,mi_nats,mi_bits, then low_nats,high_nats,p_null with --bootstrap or --null) or FILE.json.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Csv)) return ValidationResult.Error("--csv FILE is required.");
            if (Out is not null && !Out.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !Out.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                return ValidationResult.Error($"--out must name a .csv or .json file, got '{Out}'.");
            if (string.IsNullOrWhiteSpace(LabelColumn)) return ValidationResult.Error("--label-column NAME is required.");
            if (Binning is not (null or "width" or "mass")) return ValidationResult.Error($"--binning must be width or mass, got '{Binning}'.");
            return base.Validate();
        }
    }

    /// <summary>What mi starts from: the library's options without interval or null (each costs hundreds of refits), unless asked.</summary>
    public static MiOptions Defaults { get; } = new() { Bootstrap = 0, Null = 0 };

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.Bind(Defaults, settings.Binning is { } kind ? [("binning.kind", kind == "mass" ? "equal_mass" : "equal_width")] : null).Validated();
        var result = ColumnInformation.Compute(CsvTable.Read(settings.Csv!, settings.LabelColumn!), options);
        bool intervals = options.Bootstrap > 0, nulls = options.Null > 0;

        var output = new Table().AddColumns("column", "I(column; label) nats", "bits");
        if (intervals) output.AddColumn("95% interval (nats)");
        if (nulls) output.AddColumn("p (null)");
        foreach (var (name, r) in result.Columns.OrderByDescending(c => c.Mi.Estimate))
        {
            var cells = new List<string> { Markup.Escape(name), r.Estimate.ToString("F4"), r.Bits.ToString("F4") };
            if (intervals) cells.Add(Markup.Escape($"[{r.Low:F4}, {r.High:F4}]"));
            if (nulls) cells.Add(r.PNull.ToString("0.####", CultureInfo.InvariantCulture));
            output.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(output);
        string summary = $"{result.Rows:N0} rows, {result.Classes} classes (H(label) = {result.LabelEntropy:F4} nats, the most any column can carry); {result.Method}" +
                         (intervals ? $"; basic bootstrap intervals for the true value ({options.Bootstrap} resamples)" : "") +
                         (nulls ? $"; p = share of {options.Null} label shuffles at least as large" : "");
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(summary)}[/]");
        if (settings.Out is { } file)
        {
            AtomicFile.WriteAllText(file, file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                ? Json.Serialize(new
                {
                    csv = settings.Csv,
                    label_column = settings.LabelColumn,
                    rows = result.Rows,
                    classes = result.Classes,
                    label_entropy_nats = result.LabelEntropy,
                    estimator = options.Estimator,
                    bins = new { count = options.Binning.Count, min = options.Binning.Min, max = options.Binning.Max, kind = options.Binning.Kind },
                    bootstrap = options.Bootstrap,
                    @null = options.Null,
                    seed = options.Seed,
                    columns = result.Columns.Select(c => new
                    {
                        column = c.Column, mi_nats = c.Mi.Estimate, mi_bits = c.Mi.Bits,
                        low_nats = intervals ? c.Mi.Low : (double?)null, high_nats = intervals ? c.Mi.High : (double?)null,
                        p_null = nulls ? c.Mi.PNull : (double?)null,
                    }),
                })
                : Csv(result.Columns, intervals || nulls));
            AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(file)}[/]");
        }
        return 0;
    }

    /// <summary>One row per column in the input's order; "R" keeps every bit of each float64.</summary>
    static string Csv(IReadOnlyList<ColumnMi> columns, bool extended)
    {
        var sb = new StringBuilder(extended ? "column,mi_nats,mi_bits,low_nats,high_nats,p_null\n" : "column,mi_nats,mi_bits\n");
        foreach (var (column, r) in columns)
        {
            string name = column.Contains(',') || column.Contains('"') ? $"\"{column.Replace("\"", "\"\"")}\"" : column;
            sb.Append(CultureInfo.InvariantCulture, $"{name},{r.Estimate:R},{r.Estimate / Math.Log(2):R}");
            if (extended) sb.Append(CultureInfo.InvariantCulture, $",{r.Low:R},{r.High:R},{r.PNull:R}");
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
