using MnistLab.Cli.Console;
using MnistLab.Common;
using MnistLab.Experiments;
using MnistLab.Reports;
using Spectre.Console;

namespace MnistLab.Cli.Commands;

/// <summary>
/// What every `run` command does around its experiment: refuse an unusable --out before any work, apply
/// --threads, load the data, run with progress, write the report folder, say where it is.
/// </summary>
static class ExperimentRunner
{
    public static TResult Run<TData, TResult>(RunSettings settings, string experiment, Func<TData> load,
        Func<TData, IProgressSink, TResult> run, Action<TResult, RunInfo, string> write)
        where TData : IDisposable
    {
        string outDir = settings.Out ?? Path.Combine("runs", experiment);
        ReportFolder.CheckReplaceable(Path.GetFullPath(outDir), outDir);
        int threads = settings.ApplyThreads();
        using var data = load();
        var result = ConsoleProgress.Run(progress => run(data, progress));
        write(result, RunInfo.Capture(threads), outDir);
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(outDir, "report.md"))}[/]");
        return result;
    }
}
