using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Import;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Import a model trained in PyTorch (torch.save state_dict, .safetensors, TorchScript or ONNX) into a model folder that every analysis reads.")]
public sealed class ModelImportCommand : LabCommand<ModelImportCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--from <FILE>"), Binds("ModelImportOptions.From")]
        [Description("The model file: FILE.pt (a state_dict or TorchScript), FILE.safetensors or FILE.onnx.")]
        public string? From { get; init; }

        [CommandOption("--arch <FILE>"), Binds("ModelImportOptions.Arch")]
        [Description("A state_dict's architecture: a JSON mirror of nn.Sequential (input, normalize, layers).")]
        public string? Arch { get; init; }

        [CommandOption("--kind <NAME>"), Binds("kind")]
        [Description("A state_dict's architecture as one of the lab's models under the seeds' names: vae-probe, rotated, ring-linear, ring-mlp.")]
        public string? Kind { get; init; }

        [CommandOption("--output <NAME>"), Binds("ModelImportOptions.Output")]
        [Description("The graph output to import, for an ONNX graph with several (logits and probabilities, say); the others stay points of the model.")]
        public string? Output { get; init; }

        [CommandOption("--out <DIR>"), Binds("ModelImportOptions.Out")]
        [Description("The model folder to write (new or empty).")]
        public string? Out { get; init; }

        [CommandOption("--expect-logits <FILE>"), Binds("ModelImportOptions.ExpectLogits")]
        [Description("A .npy of the outputs PyTorch gave for the first N test images; the import fails if they differ by more than --tolerance.")]
        public string? ExpectLogits { get; init; }

        [CommandOption("--tolerance <X>"), Binds("ModelImportOptions.Tolerance")]
        [Description("Largest absolute difference allowed against --expect-logits. Default 1e-4.")]
        public double Tolerance { get; init; } = 1e-4;

        public override ValidationResult Validate()
        {
            if (From is null) return ValidationResult.Error("--from: give the model file.");
            if (Out is null) return ValidationResult.Error("--out: give the model folder to write.");
            if (Arch is not null && Kind is not null) return ValidationResult.Error("--arch and --kind exclude each other: give one.");
            return base.Validate();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = new ModelImportOptions(settings.From!, settings.Out!, settings.Arch, settings.Kind, settings.ExpectLogits, settings.Tolerance, settings.Output).Validated();
        using var data = settings.OpenData();
        var result = ConsoleProgress.Run(progress => ModelImport.Run(options, data.Mnist.Test, progress));
        var card = result.Card;
        string test = card.Test.Accuracy is { } a ? $"test accuracy {a:P2}" : $"test reconstruction BCE {card.Test.ReconstructionBce:F2} per image";
        AnsiConsole.MarkupLine($"Imported {Markup.Escape(card.SourceFormat)} [bold]{Markup.Escape(card.Architecture)}[/]: {card.Parameters:N0} parameters, {card.Points.Count} points, {test}");
        if (card.ExpectedLogits is { } check)
            AnsiConsole.MarkupLine($"Outputs match {Markup.Escape(Path.GetFileName(check.File))} on the first {check.Images:N0} test images: largest difference {check.MaxAbsDifference:G3} (tolerance {check.Tolerance:G3})");
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(result.Folder)}[/] in {result.TotalSeconds:F2} s (read and build {result.BuildSeconds:F2} s)");
        return 0;
    }
}
