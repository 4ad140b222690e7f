using System.ComponentModel;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Experiments;
using MnistLab.Export;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Write a vae-probe run's probes as a Lean 4 file, checked first in exact arithmetic.")]
public sealed class ExportLeanCommand : Command<ExportLeanCommand.Settings>
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

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string path = Path.Combine(settings.Run!, "probe.json");
        if (!File.Exists(path)) throw new MnistLabException($"{path}: not found; --run must name a folder written by 'mnistlab run vae-probe'.");
        ProbeFileContent content;
        try
        {
            content = JsonSerializer.Deserialize<ProbeFileContent>(File.ReadAllText(path), Json.Options)
                      ?? throw new JsonException("empty document");
        }
        catch (Exception e) when (e is JsonException or FormatException or NotSupportedException)
        {
            throw new DataFormatException($"{path}: not a probe file ({e.Message}).");
        }
        var export = content.ToExport();
        string lean = LeanExport.Render(export);
        var checks = LeanExport.Check(lean, export.Concepts, export.Z, export.C);
        foreach (var c in checks)
            AnsiConsole.MarkupLine($"{Markup.Escape(c.Concept)}: max residual {c.MaxResidual.ToDouble():G9} <= δ {c.Delta.ToDouble():G9} over {c.Samples:N0} samples: " +
                                   (c.Holds ? "[green]holds[/]" : "[red]FAILS[/]"));
        if (checks.Any(c => !c.Holds)) throw new MnistLabException("an exported δ does not bound every residual; nothing written.");
        AtomicFile.WriteAllText(settings.Out, lean);
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(settings.Out)}[/]");
        return 0;
    }
}
