using System.Diagnostics;
using MnistLab.Cli.Console;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Reports;
using MnistLab.Training;
using Spectre.Console;

namespace MnistLab.Cli.Commands;

/// <summary>Where one experiment's report goes, and whether it continues an interrupted run there.</summary>
public sealed record RunTarget(string OutDir, bool Resume, long Seed, int Threads);

/// <summary>
/// What every `run` command does around its experiment: refuse an unusable --out before any work, apply
/// --threads, load the data, hold --out's lock (one run per folder at a time), set up the checkpoints (fresh
/// or resumed), run with progress, write the report folder with the run's record (data hashes, seed,
/// machine, stage times), say where it is.
/// </summary>
static class ExperimentRunner
{
    public static TResult Run<TData, TResult>(RunSettings settings, string experiment, object options,
        Func<(TData Data, DataProvenance Provenance)> load,
        Func<TData, IProgressSink, Checkpointing, TResult> run, Action<TResult, RunInfo, string> write)
        where TData : IDisposable
    {
        string outDir = settings.Out ?? Path.Combine("runs", experiment);
        ReportFolder.CheckReplaceable(Path.GetFullPath(outDir), outDir);
        int threads = settings.ApplyThreads();
        var clock = Stopwatch.StartNew();
        var (data, provenance) = load();
        using var _ = data;
        return RunLoaded(new RunTarget(outDir, settings.Resume, settings.Seed, threads), experiment, options,
            data, provenance, clock.Elapsed.TotalSeconds, run, write);
    }

    /// <summary>
    /// Runs on data already in memory (shared by `run all`) and writes the report into <paramref name="target"/>.
    /// Given <paramref name="checkpoints"/> (as `analyze` does), the run uses them instead of its own.
    /// </summary>
    public static TResult RunLoaded<TData, TResult>(RunTarget target, string experiment, object options,
        TData data, DataProvenance provenance, double loadSeconds,
        Func<TData, IProgressSink, Checkpointing, TResult> run, Action<TResult, RunInfo, string> write, Checkpointing? checkpoints = null)
    {
        string full = Path.GetFullPath(target.OutDir);
        ReportFolder.CheckReplaceable(full, target.OutDir);
        using var outputLock = OutputLock.Acquire(target.OutDir); // held until the report is in place
        checkpoints ??= Checkpoints(target, RunDescription.Of(experiment, options, provenance));
        if (checkpoints.Mode != CheckpointMode.LoadOnly) ReportFolder.EnsureWritable(target.OutDir); // fail before training, not after

        var clock = Stopwatch.StartNew();
        var result = ConsoleProgress.Run(progress => run(data, progress, checkpoints));
        double runSeconds = clock.Elapsed.TotalSeconds;

        var info = RunInfo.Capture(target.Threads, provenance) with
        {
            Seed = target.Seed,
            Command = CliApp.Arguments,
            StageSeconds = new Dictionary<string, double> { ["load_data"] = loadSeconds, ["train_and_analyse"] = runSeconds },
        };
        try
        {
            write(result, info, target.OutDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk or a folder that became unwritable: the staged files are gone, the old report is untouched.
            throw new MnistLabException($"--out {target.OutDir}: cannot write the report ({e.Message}); nothing was replaced, and the checkpoints are kept for --resume.", e);
        }
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(target.OutDir, "report.html"))}[/] (and report.md)");
        return result;
    }

    /// <summary>
    /// The run's checkpoints live in the report's staging folder. Without --resume an interrupted run's
    /// checkpoints are discarded (it says so); with it, trainings continue after their last saved epoch.
    /// </summary>
    static Checkpointing Checkpoints(RunTarget target, RunDescription description)
    {
        string folder = ReportFolder.CheckpointsOf(target.OutDir);
        if (!target.Resume && ReportFolder.DiscardInterrupted(target.OutDir))
            Note($"discarded the checkpoints of an interrupted run into {target.OutDir} (--resume continues such a run)");
        if (target.Resume)
            Note(Directory.Exists(folder)
                ? $"resuming the interrupted run into {target.OutDir}"
                : $"--resume: no interrupted run into {target.OutDir}; starting from the beginning");
        return new Checkpointing(folder, target.Resume ? CheckpointMode.Resume : CheckpointMode.Fresh, description);
    }

    static void Note(string message) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
}
