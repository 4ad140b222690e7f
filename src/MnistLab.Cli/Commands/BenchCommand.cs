using System.ComponentModel;
using MnistLab.Benchmarks;
using MnistLab.Cli.Console;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Measure speed against this machine's matmul ceiling and the PyTorch peers; write JSON and an HTML page of the ratios.")]
public sealed class BenchCommand : LabCommand<BenchCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--out <FILE>")]
        [Description("JSON file to write; the page goes beside it with the extension .html. Default bench.json (and bench.html).")]
        public string Out { get; init; } = "bench.json";

        [CommandOption("--only <LIST>"), Binds($"{nameof(BenchOptions)}.{nameof(BenchOptions.Sections)}")]
        [Description("Comma-separated sections: one per experiment (linearity, ring, ...), explain, probe, causal, dictionary, serve, verify (VNN-COMP's mnist_fc) and checkpoints. Default all.")]
        public string? Only { get; init; }

        [CommandOption("--no-peer")]
        [Description("Skip the PyTorch peers.")]
        public bool NoPeer { get; init; }

        /// <summary>Run by the bench itself in a child process: one convolution, so oneDNN says which instruction set it chose.</summary>
        [CommandOption("--isa-probe", IsHidden = true)]
        public bool IsaProbe { get; init; }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.IsaProbe)
        {
            Processor.RunOneConvolution();
            return 0;
        }
        int threads = TorchSetup.Parallel.MaxDegreeOfParallelism; // as --threads set it
        var files = MnistLocator.Locate(settings.Source, CommonSettings.Log);
        var options = new BenchOptions
        {
            Peers = !settings.NoPeer,
            Sections = settings.Only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? BenchOptions.AllSections,
        }.Validated();
        var processor = Processor.OfThisMachine(() => Processor.AskOneDnn([.. Sweeps.PointLauncher.Current().Command, "bench", "--isa-probe"]));
        var result = ConsoleProgress.Run(p => Bench.Run(files, threads, options, p, processor));
        string json = Json.Serialize(result.Report);
        string page = Path.ChangeExtension(settings.Out, ".html");
        AtomicFile.WriteAllText(settings.Out, json);
        AtomicFile.WriteAllText(page, BenchPage.Html(result));
        AnsiConsole.WriteLine(json);
        WriteRatios(result);
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(settings.Out)}[/] and [bold]{Markup.Escape(page)}[/]");
        return 0;
    }

    /// <summary>The ratios against the peers, each marked when the peers' BLAS makes it unreadable as MnistLab's.</summary>
    static void WriteRatios(BenchResult result)
    {
        if (result.Ratios.Count == 0) return;
        var table = new Table().AddColumns("section", "ratio", "MnistLab faster by", "comparable");
        foreach (var r in result.Ratios)
            table.AddRow(Markup.Escape(r.Section), Markup.Escape(r.Key), $"{r.Value:F2}x", r.Comparable ? "yes" : "[red]NOT COMPARABLE[/]");
        AnsiConsole.Write(table);
        if (result.PeerBlas is { Comparable: false } blas) AnsiConsole.MarkupLine($"[red]{Markup.Escape(blas.Note)}[/]");
        else if (result.PeerBlas is null) AnsiConsole.MarkupLine("[red]The peers' BLAS was not measured: no ratio is marked comparable.[/]");
    }
}
