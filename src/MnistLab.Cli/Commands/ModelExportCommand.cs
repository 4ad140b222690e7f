using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using MnistLab.Import;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Write a model folder's or a checkpoint's weights as a state_dict that PyTorch loads with load_state_dict (FILE.pt or FILE.safetensors).")]
public sealed class ModelExportCommand : LabCommand<ModelExportCommand.Settings>
{
    public sealed class Settings : ToolSettings
    {
        [CommandOption("--model <DIR>"), Binds("model")]
        [Description("A model folder written by 'mnistlab model import'.")]
        public string? Model { get; init; }

        [CommandOption("--checkpoint <FILE>"), Binds("checkpoint")]
        [Description("A .ckpt file of any MnistLab run: its model goes out under the seed's parameter names where the lab kind has them.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--to <FILE>"), Binds("to")]
        [Description("FILE.pt (torch.save's format) or FILE.safetensors.")]
        public string? To { get; init; }

        public override ValidationResult Validate()
        {
            if ((Model is null) == (Checkpoint is null)) return ValidationResult.Error("give --model DIR or --checkpoint FILE (one of them).");
            if (To is null) return ValidationResult.Error("--to: give FILE.pt or FILE.safetensors.");
            return base.Validate();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var loaded = LoadedModel.Load(settings.Checkpoint, settings.Model);
        var keys = ModelExport.Write(loaded, settings.To!);
        AnsiConsole.MarkupLine($"Wrote the state_dict ({keys.Count} tensors) to [bold]{Markup.Escape(settings.To!)}[/]");
        return 0;
    }
}
