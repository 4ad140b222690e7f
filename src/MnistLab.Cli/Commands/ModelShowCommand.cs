using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace MnistLab.Cli.Commands;

[Description("List a model's layers, parameter counts and named points (with the shape of each activation for one image).")]
public sealed class ModelShowCommand : LabCommand<ModelShowCommand.Settings>
{
    public sealed class Settings : ToolSettings
    {
        [CommandOption("--checkpoint <FILE>"), Binds("checkpoint")]
        [Description("A .ckpt file written by any run (for example runs/ring/checkpoints/mlp_pixels_ring_a_0.001_seed_0.ckpt).")]
        public string? Checkpoint { get; init; }

        [CommandOption("--model <DIR>"), Binds("model")]
        [Description("A model folder written by 'mnistlab model import'.")]
        public string? Model { get; init; }

        public override ValidationResult Validate() =>
            (Checkpoint is null) == (Model is null) ? ValidationResult.Error("give --checkpoint FILE or --model DIR (one of them).") : base.Validate();
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var loaded = LoadedModel.Load(settings.Checkpoint, settings.Model);
        using var scope = NewDisposeScope();
        var summary = ModelSummary.Of(loaded.Model, loaded.Input(zeros(1, 1, 28, 28)));
        if (loaded.Card is { } card)
        {
            string test = card.Test.Accuracy is { } a ? $"test accuracy {a:P2}" : $"test reconstruction BCE {card.Test.ReconstructionBce:F2} per image";
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(summary.Type)}[/]: {Markup.Escape(card.Architecture)}, imported from {Markup.Escape(card.SourceFormat)} " +
                                   $"{Markup.Escape(card.Source)}; reads {Markup.Escape(loaded.Spec.Input.ToString())}; {summary.Parameters:N0} parameters; {test}");
            if (card.Normalize is { } n) AnsiConsole.MarkupLine($"normalised inside the model: mean ({string.Join(", ", n.Mean)}), std ({string.Join(", ", n.Std)})");
        }
        else
        {
            var header = Checkpoint.Read(loaded.Path).Header;
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(summary.Type)}[/] '{Markup.Escape(header.Training)}' of the run {Markup.Escape(header.Run?.Experiment ?? "?")}, " +
                                   $"epoch {header.Epoch}/{header.Epochs}; reads {Markup.Escape(loaded.Spec.Input.ToString())}; {summary.Parameters:N0} parameters");
        }
        Print(summary);
        return 0;
    }

    static void Print(ModelSummary summary)
    {
        var layers = new Table().AddColumn("layer").AddColumn("type").AddColumn(new TableColumn("parameters").RightAligned());
        foreach (var l in summary.Layers) layers.AddRow(Markup.Escape(l.Name), l.Type, l.Parameters.ToString("N0"));
        AnsiConsole.Write(layers);
        var points = new Table().AddColumns("point", "shape (one image)");
        foreach (var p in summary.Points) points.AddRow(Markup.Escape(p.Name), $"({string.Join(", ", p.Shape)})");
        AnsiConsole.Write(points);
    }
}
