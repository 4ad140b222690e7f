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
        [CommandOption("--from <FILE>"), OptionPath("from", "The model file: FILE.pt (a state_dict or TorchScript), FILE.safetensors or FILE.onnx.", typeof(ModelImportOptions), DefaultsFrom = typeof(ModelImportCommand))]
        public string? From { get; init; }

        [CommandOption("--arch <FILE>"), OptionPath("arch", "A state_dict's architecture: a JSON mirror of nn.Sequential (input, normalize, layers).", typeof(ModelImportOptions), DefaultsFrom = typeof(ModelImportCommand))]
        public string? Arch { get; init; }

        [CommandOption("--kind <NAME>"), OptionPath("kind", "A state_dict's architecture as one of the lab's models under the seeds' names: vae-probe, rotated, ring-linear, ring-mlp.", typeof(ModelImportOptions), DefaultsFrom = typeof(ModelImportCommand))]
        public string? Kind { get; init; }

        [CommandOption("--out <DIR>"), OptionPath("out", "The model folder to write (new or empty).", typeof(ModelImportOptions), DefaultsFrom = typeof(ModelImportCommand))]
        public string? Out { get; init; }

        [CommandOption("--expect-logits <FILE>"), OptionPath("expect_logits", "A .npy of the outputs PyTorch gave for the first N test images; the import fails if they differ by more than --tolerance.", typeof(ModelImportOptions), DefaultsFrom = typeof(ModelImportCommand))]
        public string? ExpectLogits { get; init; }

        [CommandOption("--tolerance <X>"), OptionPath("tolerance", "Largest absolute difference allowed against --expect-logits.", typeof(ModelImportOptions), DefaultsFrom = typeof(ModelImportCommand))]
        public double? Tolerance { get; init; }

        [CommandOption("--output <NAME>"), OptionPath("output", "The graph output to import, for an ONNX graph with several (logits and probabilities, say); the others stay points of the model.", typeof(ModelImportOptions), DefaultsFrom = typeof(ModelImportCommand))]
        public string? Output { get; init; }

        [CommandOption("--key <NAME>"), OptionPath("key", "The entry of a torch.save dict that holds the state_dict (a training checkpoint's); found by itself under model, state_dict, model_state_dict or net.", typeof(ModelImportOptions), DefaultsFrom = typeof(ModelImportCommand))]
        public string? Key { get; init; }

        [CommandOption("--normalize <MEAN,STD>"), OptionPath("normalize", "The normalisation the model expects of its input, applied inside it: MEAN,STD (0.1307,0.3081 for MNIST's usual one), or per-channel means and stds as two lists in square brackets. For a model trained with transforms.Normalize in its data pipeline.", typeof(ModelImportOptions), DefaultsFrom = typeof(ModelImportCommand))]
        public string? Normalize { get; init; }

        public override ValidationResult Validate()
        {
            if (From is null) return ValidationResult.Error("--from: give the model file.");
            if (Out is null) return ValidationResult.Error("--out: give the model folder to write.");
            if (Normalize is not null)
            {
                // Said here as the flag, not as the option record that the value is bound onto.
                try { Normalization.Parse(Normalize); }
                catch (MnistLab.Common.InvalidOptionException e) { return ValidationResult.Error($"--{e.Message}"); }
            }
            return base.Validate();
        }
    }

    /// <summary>The record the flags are bound onto: the library's defaults, the file and folder still to be named.</summary>
    public static ModelImportOptions Defaults { get; } = new("", "");

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.Bind(Defaults).Validated();
        using var data = settings.OpenData();
        var result = ConsoleProgress.Run(progress => ModelImport.Run(options, data.Mnist.Test, progress));
        var card = result.Card;
        string test = card.Test.Accuracy is { } a ? $"test accuracy {a:P2}" : $"test reconstruction BCE {card.Test.ReconstructionBce:F2} per image";
        AnsiConsole.MarkupLine($"Imported {Markup.Escape(card.SourceFormat)} [bold]{Markup.Escape(card.Architecture)}[/]: {card.Parameters:N0} parameters, {card.Points.Count} points, {test}");
        if (card.ExpectedLogits is { } check)
            AnsiConsole.MarkupLine($"Outputs match {Markup.Escape(Path.GetFileName(check.File))} on the first {check.Images:N0} test images: largest difference {check.MaxAbsDifference:G3} (tolerance {check.Tolerance:G3})");
        foreach (var note in card.Notes ?? []) AnsiConsole.MarkupLine($"Note: {Markup.Escape(note)}");
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(result.Folder)}[/] in {result.TotalSeconds:F2} s (read and build {result.BuildSeconds:F2} s)");
        return 0;
    }
}
