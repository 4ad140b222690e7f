using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Common;
using MnistLab.Export;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Write a model's activations at one named point for MNIST images: float32 .npy (numpy.load reads it; first dimension the image) or .csv.")]
public sealed class ActivationsCommand : LabCommand<ActivationsCommand.Settings>
{
    public sealed class Settings : ModelChoiceSettings
    {
        [CommandOption("--layer <NAME>"), Binds("point")]
        [Description("The point to read (see 'mnistlab model show'): input, output, or a layer such as fc1, relu1, res3.conv2, mu.")]
        public string? Layer { get; init; }

        [CommandOption("--split <SPLIT>")]
        [Description("train or test. Default test.")]
        public string Split { get; init; } = "test";

        [CommandOption("--count <N>"), Binds("count")]
        [Description("The first N images of the split. Default all of them.")]
        public int? Count { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("FILE.npy or FILE.csv.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Layer)) return ValidationResult.Error("--layer: name a point (see 'mnistlab model show').");
            if (Split is not ("train" or "test")) return ValidationResult.Error($"--split must be train or test, got '{Split}'.");
            if (Out is null || !(Out.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) || Out.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)))
                return ValidationResult.Error($"--out must name a .npy or .csv file, got '{Out}'.");
            return base.Validate();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var model = settings.LoadModel();
        using var data = settings.OpenData();
        var images = settings.Split == "train" ? data.Mnist.Train : data.Mnist.Test;
        var shape = ConsoleProgress.Run(progress =>
            ActivationExport.Write(model, images, settings.Count ?? images.Count, settings.Layer!, settings.Out!, progress));
        AnsiConsole.MarkupLine($"Wrote the activations at {Markup.Escape(settings.Layer!)}, shape ({string.Join(", ", shape)}), to [bold]{Markup.Escape(settings.Out!)}[/]");
        return 0;
    }
}
