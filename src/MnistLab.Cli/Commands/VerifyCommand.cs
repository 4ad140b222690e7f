using System.ComponentModel;
using System.Globalization;
using MnistLab.Analysis.Verification;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Data;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Proved, not sampled: for each image, is every input of its L∞ ball classified as the label? A PGD attack, then IBP, CROWN or α-CROWN bounds on the class margins; verified, falsified or unknown per image, the certified accuracy, and a report folder.")]
public sealed class VerifyCommand : LabCommand<VerifyCommand.Settings>
{
    public sealed class Settings : ImagesSettings
    {
        [CommandOption("--eps <X>"), OptionPath("eps", "L∞ radius of each image's ball, in pixel units (0 to 1), before the model's normalisation.", typeof(VerifyOptions))]
        public double? Eps { get; init; }

        [CommandOption("--method <NAME>"), OptionPath("method", "ibp (interval bounds), crown (backward linear relaxation, tighter) or alpha-crown (crown with its ReLU slopes optimised by gradient, tighter still and slower).", typeof(VerifyOptions))]
        public string? Method { get; init; }

        [CommandOption("--pgd-steps <N>"), OptionPath("pgd.steps", "Steps of each PGD run.", typeof(VerifyOptions))]
        public int? PgdSteps { get; init; }

        [CommandOption("--pgd-restarts <N>"), OptionPath("pgd.restarts", "PGD runs from random starts in the ball.", typeof(VerifyOptions))]
        public int? PgdRestarts { get; init; }

        [CommandOption("--seed <N>"), OptionPath("seed", "Seed of the attack's random starts.", typeof(VerifyOptions))]
        public long? Seed { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder (replaced only when verify succeeds, and only if empty or an earlier report).")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
            return base.Validate();
        }

        /// <summary>The library's options: its record's defaults, every flag given set by its key, the images chosen.</summary>
        public VerifyOptions Options() => (Bind(new VerifyOptions()) with { Images = Selection(DefaultImages) }).Validated();
    }

    /// <summary>The images verified unless --images or --per-class says otherwise.</summary>
    static readonly ImageSelection DefaultImages = new VerifyOptions().Images;

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.Options();
        using var folder = ReportFolder.Open(settings.Out!); // one writer, and a place that can be written, before any work
        using var model = settings.LoadModel();
        using var data = settings.OpenData();
        var result = ConsoleProgress.Run(progress => Verifier.Run(model, data.Mnist, options, progress));
        folder.Publish(f => VerificationReport.Write(result, f, CliApp.Arguments));

        string Pct(double v) => v.ToString("P1", CultureInfo.InvariantCulture);
        var table = new Table().AddColumns("eps", "method", "clean", "PGD", "certified", "verified", "falsified", "unknown", "ms per image");
        table.AddRow(options.Eps.ToString(CultureInfo.InvariantCulture), options.Method, Pct(result.CleanAccuracy), Pct(result.PgdAccuracy), Pct(result.CertifiedAccuracy),
            $"{result.Verified}", $"{result.Falsified}", $"{result.Unknown}", (1000 * result.BoundSeconds / result.Count).ToString("F1", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(settings.Out!, "report.html"))}[/] (and report.md, metrics.json)");
        return 0;
    }
}
