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

[Description("Proved, not sampled: for each image, is every input of its L∞ ball classified as the label? A PGD attack, then IBP, CROWN or α-CROWN bounds on the class margins, or branch and bound to a complete answer; verified, falsified or unknown per image, the certified accuracy, and a report folder.")]
public sealed class VerifyCommand : LabCommand<VerifyCommand.Settings>
{
    public sealed class Settings : ImagesSettings
    {
        [CommandOption("--eps <X>"), OptionPath("eps", "L∞ radius of each image's ball, in pixel units (0 to 1), before the model's normalisation.", typeof(VerifyOptions))]
        public double? Eps { get; init; }

        [CommandOption("--method <NAME>"), OptionPath("method", "ibp (interval bounds), crown (backward linear relaxation, tighter), alpha-crown (crown with its ReLU slopes optimised by gradient, tighter still and slower) or complete (alpha-crown, then branch and bound on ReLU splits until proved, falsified or --timeout).", typeof(VerifyOptions))]
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

        [CommandOption("--onnx <FILE>")]
        [Description("Instead of --checkpoint/--model and images: an ONNX network, checked against --vnnlib.")]
        public string? Onnx { get; init; }

        [CommandOption("--vnnlib <FILE>")]
        [Description("A VNN-LIB property of the --onnx network (an input box, the unsafe outputs).")]
        public string? Vnnlib { get; init; }

        [CommandOption("--result <FILE>")]
        [Description("With --vnnlib: where VNN-COMP's answer goes (sat with its counterexample, unsat, unknown or timeout); default: standard output.")]
        public string? Result { get; init; }

        [CommandOption("--certify"), OptionPath("certify", "Write a certificate for each verified image into the report's certificates/ folder (INDEX.json), sealed in exact arithmetic over the ball rounded outwards; re-check one with verify-check CERT --model DIR. An image whose proof exact arithmetic does not confirm is unknown. Fully connected networks only.", typeof(VerifyOptions))]
        public bool? Certify { get; init; }

        [CommandOption("--certificate <FILE>")]
        [Description("With --vnnlib: for an unsat answer, write its certificate here (JSON: every hidden bound and the split tree with each proof's multipliers, sealed in exact arithmetic; re-check it with verify-check). An answer that cannot be certified is unknown. Fully connected networks only.")]
        public string? Certificate { get; init; }

        [CommandOption("--timeout <S>"), OptionPath("timeout", "Seconds of branch and bound per image with --method complete (default 60); with --vnnlib, for the whole property before the answer is timeout (default 300).", typeof(VerifyOptions))]
        public double? Timeout { get; init; }

        /// <summary>Whether this is the VNN-LIB form of the command.</summary>
        public bool Property => Onnx is not null || Vnnlib is not null;

        public override ValidationResult Validate()
        {
            if (Property)
            {
                if (Onnx is null || Vnnlib is null) return ValidationResult.Error("give --onnx NET and --vnnlib PROP together.");
                if (Checkpoint is not null || Model is not null || Images is not null || PerClass is not null || Out is not null || Eps is not null || Certify is not null)
                    return ValidationResult.Error("--onnx with --vnnlib reads its inputs from the property: leave out --checkpoint, --model, --images, --per-class, --eps and --out (and --certify: --certificate FILE writes its certificate).");
                if (Timeout is { } t && !(t > 0 && double.IsFinite(t))) return ValidationResult.Error($"--timeout must be a number of seconds > 0, got {t}.");
                if (Threads is < 1 or > 1024) return ValidationResult.Error($"--threads must be between 1 and 1024, got {Threads}.");
                if (Seed is < 0) return ValidationResult.Error($"--seed must be a non-negative integer, got {Seed}.");
                return ValidationResult.Success();
            }
            if (Result is not null || Certificate is not null) return ValidationResult.Error("--result and --certificate go with --onnx NET --vnnlib PROP.");
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
        if (settings.Property) return CheckProperty(settings);
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

    /// <summary>The VNN-LIB form: the property read, the ONNX network read by the importer, VNN-COMP's answer written.</summary>
    static int CheckProperty(Settings settings)
    {
        var vnn = new VnnLibOptions { Method = settings.Method ?? "crown", Seed = settings.Seed ?? 0, Timeout = settings.Timeout ?? 300, Certify = settings.Certificate is not null,
            Pgd = new PgdOptions { Steps = settings.PgdSteps ?? new PgdOptions().Steps, Restarts = settings.PgdRestarts ?? new PgdOptions().Restarts } }.Validated();
        var property = VnnLibProperty.Read(settings.Vnnlib!);
        if (!File.Exists(settings.Onnx)) throw new MnistLab.Common.InvalidOptionException("onnx", $"{settings.Onnx}: no such file.");
        foreach (var (option, file) in new[] { ("result", settings.Result), ("certificate", settings.Certificate) })
            if (file is not null && Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder && !Directory.Exists(folder))
                throw new MnistLab.Common.InvalidOptionException(option, $"{file}: the folder {folder} does not exist.");
        var built = MnistLab.Import.ModelSource.Build(settings.Onnx!, null, null, TorchSharp.torch.empty(0));
        using var model = built.Model;
        // With the answer on standard output, nothing else is written there.
        var result = settings.Result is null ? VnnLibCheck.Compute(model, property, vnn) : ConsoleProgress.Run(progress => VnnLibCheck.Compute(model, property, vnn, progress));
        if (result.Certificate is { } certificate)
        {
            certificate.Write(settings.Certificate!);
            if (settings.Result is not null)
                AnsiConsole.MarkupLine($"certificate: {certificate.Leaves} leaves, {Markup.Escape(settings.Certificate!)} (re-check it with verify-check)");
        }
        string text = result.Text();
        if (settings.Result is not { } path)
        {
            System.Console.Out.Write(text); // the answer alone, for a script to read
            return 0;
        }
        MnistLab.Common.AtomicFile.WriteAllText(path, text);
        AnsiConsole.MarkupLine($"{result.Status.ToString().ToLowerInvariant()} in {result.Seconds.ToString("F2", CultureInfo.InvariantCulture)} s ({Markup.Escape(vnn.Method)}): {Markup.Escape(path)}");
        return 0;
    }
}
