using System.ComponentModel;
using MnistLab.Benchmarks;
using MnistLab.Cli.Console;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Measure speed against this machine's matmul ceiling and the PyTorch peers; write JSON.")]
public sealed class BenchCommand : LabCommand<BenchCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--out <FILE>")]
        [Description("JSON file to write. Default bench.json.")]
        public string Out { get; init; } = "bench.json";

        [CommandOption("--only <LIST>"), Binds("BenchOptions.Sections")]
        [Description("Comma-separated sections: one per experiment (linearity, ring, ...) and checkpoints. Default all.")]
        public string? Only { get; init; }

        [CommandOption("--no-peer")]
        [Description("Skip the PyTorch peers.")]
        public bool NoPeer { get; init; }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        int threads = settings.ApplyThreads();
        var files = MnistLocator.Locate(settings.Source, CommonSettings.Log);
        var options = new BenchOptions
        {
            Peers = !settings.NoPeer,
            Sections = settings.Only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? BenchOptions.AllSections,
        }.Validated();
        var report = ConsoleProgress.Run(p => Bench.Run(files, threads, options, p));
        string json = Json.Serialize(report);
        AtomicFile.WriteAllText(settings.Out, json);
        AnsiConsole.WriteLine(json);
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(settings.Out)}[/]");
        return 0;
    }
}
