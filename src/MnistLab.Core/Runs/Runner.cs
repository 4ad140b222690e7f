using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Reports;
using MnistLab.Training;

namespace MnistLab.Runs;

/// <summary>
/// The life cycle of a run folder around an experiment: refuse an unusable folder before any work, hold its lock (one
/// run per folder at a time), load the data, set up the checkpoints (fresh, resumed or load-only), run, and write the
/// report with the run's record (data hashes, seed, machine, stage times) into a staging folder that replaces the
/// old report only when complete.
/// </summary>
public static class Runner
{
    public static ExperimentRun<TResult> Run<TOptions, TResult>(Experiment<TOptions, TResult> experiment, TOptions options, string outDir,
        LabData data, RunSetup? setup = null) where TOptions : class
    {
        setup ??= new RunSetup();
        var progress = setup.Progress;
        options = experiment.Validated(options);
        using var folder = ReportFolder.Open(outDir); // locked until the report is in place

        double loadedBefore = data.LoadSeconds;
        var provenance = experiment.Prepare(options, data, progress);
        double loadSeconds = data.LoadSeconds - loadedBefore;
        var description = RunDescription.Of(experiment.Name, options, provenance);
        var checkpoints = setup.LoadCheckpointsFrom is { } finished
            ? new Checkpointing(finished, CheckpointMode.LoadOnly, description)
            : Checkpoints(folder, setup.Resume, description, progress);
        if (checkpoints.Mode != CheckpointMode.LoadOnly) folder.EnsureWritable(); // fail before training, not after

        var clock = Stopwatch.StartNew();
        var result = experiment.Run(options, data, new RunContext(progress, checkpoints, setup.Cancel));
        double runSeconds = clock.Elapsed.TotalSeconds;

        var info = RunInfo.Capture(provenance) with
        {
            Seed = experiment.SeedOf(options),
            Command = setup.Command,
            StageSeconds = new Dictionary<string, double> { ["load_data"] = loadSeconds, ["train_and_analyse"] = runSeconds },
        };
        var figures = experiment.Figures(result);
        string answer = experiment.Answer(figures);
        folder.Publish(f =>
        {
            experiment.WriteReport(result, info, f);
            f.WriteJson(ReportFolder.Marker, Envelope(experiment, options, info, figures, answer, experiment.Metrics(result)));
        });
        progress.Info($"Report: {Path.Combine(outDir, "report.html")} (and report.md)");
        return new ExperimentRun<TResult>(experiment.Name, outDir, figures, answer, info, result);
    }

    /// <summary>
    /// metrics.json: the experiment, its question and answer, its headline figures, then its own metrics, its options
    /// and the run record. The index and the sweeps read the headlines from here, so any folder can be compared later.
    /// </summary>
    static JsonObject Envelope(IExperiment experiment, object options, RunInfo info, IReadOnlyDictionary<string, double> figures, string answer, object metrics)
    {
        var envelope = new JsonObject
        {
            ["experiment"] = experiment.Name,
            ["title"] = experiment.Title,
            ["question"] = experiment.Question,
            ["answer"] = answer,
            ["headlines"] = new JsonObject(experiment.Headlines.Where(h => figures.ContainsKey(h.Key)).Select(h => KeyValuePair.Create(h.Key,
                (JsonNode?)new JsonObject
                {
                    ["label"] = h.Label,
                    ["short"] = h.Short,
                    ["kind"] = JsonSerializer.SerializeToNode(h.Kind, Json.Options),
                    ["value"] = JsonSerializer.SerializeToNode(figures[h.Key], Json.Options),
                }))),
        };
        foreach (var (key, value) in JsonSerializer.SerializeToNode(metrics, Json.Options)!.AsObject().ToList())
            envelope[key] = value?.DeepClone();
        envelope["options"] = JsonSerializer.SerializeToNode(options, options.GetType(), Json.Options);
        envelope["run"] = JsonSerializer.SerializeToNode(info, Json.Options);
        return envelope;
    }

    /// <summary>
    /// The run's checkpoints live in the report's staging folder. Without resuming, an interrupted run's checkpoints are
    /// discarded (it says so); when resuming, trainings continue after their last saved epoch.
    /// </summary>
    static Checkpointing Checkpoints(ReportFolder report, bool resume, RunDescription description, IProgressSink progress)
    {
        string folder = ReportFolder.CheckpointsOf(report.Target);
        if (!resume && report.DiscardInterrupted())
            progress.Info($"discarded the checkpoints of an interrupted run into {report.Given} (resuming continues such a run)");
        if (resume)
            progress.Info(Directory.Exists(folder)
                ? $"resuming the interrupted run into {report.Given}"
                : $"no interrupted run into {report.Given} to resume; starting from the beginning");
        return new Checkpointing(folder, resume ? CheckpointMode.Resume : CheckpointMode.Fresh, description);
    }
}
