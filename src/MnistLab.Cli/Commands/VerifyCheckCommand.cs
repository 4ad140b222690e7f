using System.ComponentModel;
using System.Globalization;
using MnistLab.Analysis.Verification;
using MnistLab.Analysis.Verification.Certificates;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Import;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Re-derive a certificate that verify wrote, from the network's own weights, in exact arithmetic: accepted (exit 0) or rejected with the first thing that does not hold (exit 1).")]
public sealed class VerifyCheckCommand : LabCommand<VerifyCheckCommand.Settings>
{
    public sealed class Settings : ModelChoiceSettings
    {
        [CommandArgument(0, "<CERT>")]
        [Description("The certificate (JSON) verify wrote with --certificate.")]
        public string Certificate { get; init; } = "";

        [CommandOption("--onnx <FILE>")]
        [Description("The network as an ONNX file (instead of --checkpoint or --model).")]
        public string? Onnx { get; init; }

        [CommandOption("--vnnlib <FILE>")]
        [Description("The property the certificate claims: its box and rows must be the property's own.")]
        public string? Vnnlib { get; init; }

        public override ValidationResult Validate()
        {
            if (Onnx is null) return base.Validate();
            if (Checkpoint is not null || Model is not null) return ValidationResult.Error("give the network once: --onnx FILE, --checkpoint FILE or --model DIR.");
            return ValidationResult.Success();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var certificate = MnistLab.Analysis.Verification.Certificates.Certificate.Read(settings.Certificate);
        using var model = settings.Onnx is { } onnx
            ? (File.Exists(onnx) ? LoadedModel.Borrowed(ModelSource.Build(onnx, null, null, TorchSharp.torch.empty(0)).Model, onnx)
                : throw new MnistLab.Common.InvalidOptionException("onnx", $"{onnx}: no such file."))
            : settings.LoadModel();
        var network = ExactNetwork.Of(BoundGraph.Of(model.Model));
        SplitProperty? property = null;
        Interval? box = null;
        if (settings.Vnnlib is { } path)
        {
            var p = VnnLibProperty.Read(path);
            property = VnnLibCheck.Split(p);
            box = Interval.Box(TorchSharp.torch.tensor(p.Lower), TorchSharp.torch.tensor(p.Upper));
        }
        var result = CertificateCheck.Run(certificate, network, property, box);
        string time = result.Seconds.ToString("F2", CultureInfo.InvariantCulture);
        if (result.Accepted)
        {
            AnsiConsole.MarkupLine($"[green]accepted[/] in {time} s: {Markup.Escape(result.Reason)}");
            return 0;
        }
        AnsiConsole.MarkupLine($"[red]rejected[/] in {time} s: {Markup.Escape(result.Reason)}");
        return 1;
    }
}
