using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Export;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Write a vae-probe run's probes as a Lean 4 file, checked first in exact arithmetic.")]
public sealed class ExportLeanCommand : LabCommand<ExportLeanCommand.Settings>
{
    public sealed class Settings : ToolSettings
    {
        [CommandOption("--run <DIR>")]
        [Description("A report folder written by 'mnistlab run vae-probe'.")]
        public string? Run { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Lean file to write. Default Probe.lean.")]
        public string Out { get; init; } = "Probe.lean";

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Run) ? ValidationResult.Error("--run DIR is required.") : base.Validate();
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var checks = ProbeFile.ExportLean(settings.Run!, settings.Out);
        foreach (var c in checks)
            AnsiConsole.MarkupLine($"{Markup.Escape(c.Concept)}: max residual {c.MaxResidual.ToDouble():G9} <= δ {c.Delta.ToDouble():G9} over {c.Samples:N0} samples: [green]holds[/]");
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(settings.Out)}[/]");
        return 0;
    }
}
