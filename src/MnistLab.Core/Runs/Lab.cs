using System.Diagnostics;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Reports;

namespace MnistLab.Runs;

/// <summary>Which experiments <see cref="Lab.Run"/> runs, with what budget and seed.</summary>
public sealed record LabOptions
{
    /// <summary>Each experiment's quick budget (<see cref="IExperiment.QuickOptions"/>) instead of the seed's.</summary>
    public bool Quick { get; init; }
    public long Seed { get; init; }

    /// <summary>A subset of the registry's names, in any order; null runs them all.</summary>
    public IReadOnlyList<string>? Only { get; init; }

    public IReadOnlyList<IExperiment> Experiments => Only is null ? Registry.All : Registry.All.Where(e => Only.Contains(e.Name)).ToList();

    public LabOptions Validated()
    {
        Require.That(Only is null || Only.Count > 0, $"{nameof(LabOptions)}.{nameof(LabOptions.Only)}", "must name at least one experiment.");
        foreach (var name in Only ?? [])
            Require.That(Registry.Find(name) is not null, $"{nameof(LabOptions)}.{nameof(LabOptions.Only)}", $"names an unknown experiment '{name}'; the experiments are {string.Join(", ", Registry.Names)}.");
        return this;
    }
}

/// <summary>A finished lab: its folder, the index entry of the experiments it holds, and the wall time of each stage.</summary>
public sealed record LabRun(string Folder, RunEntry Entry, IReadOnlyDictionary<string, double> StageSeconds)
{
    public double TotalSeconds => StageSeconds.Values.Sum();
}

/// <summary>
/// The lab: every experiment of the registry (or a subset) into its own subfolder, then the lab's own record and
/// index.html across them. Resumable: the experiments finished before an interruption are kept, the one under way
/// continues from its checkpoints.
/// </summary>
public static class Lab
{
    /// <summary>The experiments finished so far by an interrupted lab and their wall times.</summary>
    sealed record Progress(bool Quick, long Seed, List<string> Done, Dictionary<string, double> Seconds);

    const string ProgressFile = ".run-all.json";

    /// <summary>The options the lab gives <paramref name="experiment"/>: its defaults or quick budget, with the lab's seed.</summary>
    public static object OptionsOf(IExperiment experiment, LabOptions options) =>
        experiment.WithSeed(options.Quick ? experiment.QuickOptions : experiment.DefaultOptions, options.Seed);

    public static LabRun Run(string outDir, LabData data, LabOptions options, RunSetup? setup = null)
    {
        setup ??= new RunSetup();
        options = options.Validated();
        var wanted = options.Experiments;
        string full = Path.GetFullPath(outDir);
        if (!File.Exists(Path.Combine(full, ProgressFile))) ReportFolder.CheckReplaceable(full, outDir);
        using var outputLock = OutputLock.Acquire(outDir);
        string progressPath = Path.Combine(outDir, ProgressFile);
        var progress = (setup.Resume ? ReadProgress(progressPath, options) : null) ?? new Progress(options.Quick, options.Seed, [], []);

        double loadedBefore = data.LoadSeconds;
        var provenance = data.Mnist.Provenance;
        var stages = new Dictionary<string, double>(progress.Seconds) { ["load_data"] = data.LoadSeconds - loadedBefore };
        var clock = new Stopwatch();
        foreach (var experiment in wanted)
        {
            string folder = Path.Combine(outDir, experiment.Name);
            if (progress.Done.Contains(experiment.Name) && File.Exists(Path.Combine(folder, ReportFolder.Marker)))
            {
                setup.Progress.Info($"{experiment.Name}: finished before the interruption, kept");
                continue;
            }
            setup.Progress.Section(experiment.Name);
            clock.Restart();
            // Only the experiment that was under way when the lab stopped has anything to continue.
            bool resume = setup.Resume && Directory.Exists(ReportFolder.StagingOf(folder));
            experiment.RunInto(OptionsOf(experiment, options), folder, data, setup with { Resume = resume });
            stages[experiment.Name] = progress.Seconds[experiment.Name] = clock.Elapsed.TotalSeconds;
            progress.Done.Add(experiment.Name);
            AtomicFile.WriteAllText(progressPath, Json.Serialize(progress));
        }

        // The lab's own record and index, over this run's experiments only: with a subset, folders of an earlier run may sit beside them.
        var names = wanted.Select(e => e.Name).ToHashSet();
        RunEntry Entry() { var r = RunIndex.Read(outDir); return r with { Experiments = r.Experiments.Where(e => names.Contains(e.Experiment)).ToList() }; }
        var info = RunInfo.Capture(provenance) with { Seed = options.Seed, Command = setup.Command, StageSeconds = stages };
        AtomicFile.WriteAllText(Path.Combine(outDir, ReportFolder.Marker), Json.Serialize(new
        {
            lab = "run all",
            quick = options.Quick,
            seed = options.Seed,
            total_seconds = stages.Values.Sum(), // across interruptions: each stage counted once, as it last ran
            run = info,
            headlines = Entry().Experiments.ToDictionary(e => e.Experiment, e => e.Figures),
        }));
        var entry = Entry();
        string title = wanted.Count == Registry.All.Count ? "the experiments" : string.Join(", ", names);
        RunIndex.Write(outDir, [entry], $"MnistLab: {title}{(options.Quick ? " (--quick)" : "")}");
        File.Delete(progressPath);
        return new LabRun(outDir, entry, stages);
    }

    static Progress? ReadProgress(string path, LabOptions options)
    {
        if (!File.Exists(path)) return null;
        Progress? saved;
        try { saved = JsonSerializer.Deserialize<Progress>(File.ReadAllText(path), Json.Options); }
        catch (JsonException e) { throw new DataFormatException($"{path}: not a valid progress record ({e.Message}); delete it to start over."); }
        if (saved is null || saved.Done is null || saved.Seconds is null) return null;
        if (saved.Quick != options.Quick || saved.Seed != options.Seed)
            throw new InvalidOptionException($"{nameof(LabOptions)}.{nameof(LabOptions.Quick)}",
                $"the interrupted lab in {Path.GetDirectoryName(path)} used {(saved.Quick ? "the quick budget" : "full budgets")} and seed {saved.Seed}; resume it with the same, or start over.");
        return saved;
    }
}
