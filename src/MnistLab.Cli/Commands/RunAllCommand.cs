using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Training;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Every experiment in turn, each into its own subfolder of --out, then index.html across them.")]
public sealed class RunAllCommand : Command<RunAllCommand.Settings>
{
    public sealed class Settings : RunSettings
    {
        [CommandOption("--quick")]
        [Description("Reduced budgets (fewer epochs and seeds, smaller rotated sets): the whole lab in a few minutes, every finding still visible.")]
        public bool Quick { get; init; }

        [CommandOption("--only <LIST>")]
        [Description("Comma-separated subset of linearity, ring, local-mi, vae-probe, rotated. Default all five.")]
        public string? Only { get; init; }

        public IReadOnlyList<string> Experiments
        {
            get
            {
                if (Only is null) return RunIndex.Experiments.Select(e => e.Name).ToList();
                var names = Only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                foreach (var n in names)
                    if (RunIndex.Experiments.All(e => e.Name != n))
                        throw new InvalidOptionException($"--only: unknown experiment '{n}', expected some of {string.Join(", ", RunIndex.Experiments.Select(e => e.Name))}.");
                return names.Length > 0 ? names : throw new InvalidOptionException("--only: name at least one experiment.");
            }
        }
    }

    /// <summary>The experiments finished so far by an interrupted `run all` and their wall times, so --resume can skip them.</summary>
    sealed record LabProgress(bool Quick, long Seed, List<string> Done, Dictionary<string, double> Seconds);

    const string ProgressFile = ".run-all.json";

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string outDir = settings.Out ?? Path.Combine("runs", "all");
        var wanted = settings.Experiments;
        CheckLabFolder(outDir);
        using var outputLock = OutputLock.Acquire(outDir);
        var plan = new LabPlan(settings.Quick, settings.Seed);
        string progressPath = Path.Combine(outDir, ProgressFile);
        var progress = settings.Resume ? ReadProgress(progressPath, plan) : null;
        progress ??= new LabProgress(plan.Quick, plan.Seed, [], []);
        int threads = settings.ApplyThreads();

        var clock = Stopwatch.StartNew();
        var (mnist, provenance) = settings.LoadVerifiedMnist();
        using var _ = mnist;
        double loadSeconds = clock.Elapsed.TotalSeconds;
        var stages = new Dictionary<string, double>(progress.Seconds) { ["load_data"] = loadSeconds };

        // With --resume, only the experiment that was under way when the run stopped has anything to continue.
        RunTarget Target(string name) => new(Path.Combine(outDir, name),
            settings.Resume && Directory.Exists(ReportFolder.StagingOf(Path.Combine(outDir, name))), settings.Seed, threads);
        var steps = new (string Name, Action Run)[]
        {
            ("linearity", () => ExperimentRunner.RunLoaded(Target("linearity"), "linearity", plan.Linearity, mnist, provenance, loadSeconds,
                (m, p, c) => LinearityExperiment.Run(m, plan.Linearity, p, c), LinearityExperiment.WriteReport)),
            ("ring", () => ExperimentRunner.RunLoaded(Target("ring"), "ring", plan.Ring, mnist, provenance, loadSeconds,
                (m, p, c) => RingExperiment.Run(m, plan.Ring, p, c), RingExperiment.WriteReport)),
            ("local-mi", () => ExperimentRunner.RunLoaded(Target("local-mi"), "local-mi",
                new LocalMiSelection(plan.LocalMi, LocalMiExperiment.Estimators, LocalMiExperiment.Orders), mnist, provenance, loadSeconds,
                (m, p, c) => LocalMiExperiment.Run(m, plan.LocalMi, LocalMiExperiment.Estimators, LocalMiExperiment.Orders, p, c), LocalMiExperiment.WriteReport)),
            ("vae-probe", () => ExperimentRunner.RunLoaded(Target("vae-probe"), "vae-probe", plan.VaeProbe, mnist, provenance, loadSeconds,
                (m, p, c) => VaeProbeExperiment.Run(m, plan.VaeProbe, p, c), VaeProbeExperiment.WriteReport)),
            ("rotated", () =>
            {
                var generate = Stopwatch.StartNew();
                using var data = RunRotatedCommand.Generate(mnist, plan.RotatedData);
                var rotProvenance = provenance with { Name = "rot-back (generated from MNIST)", Generator = plan.RotatedData };
                ExperimentRunner.RunLoaded(Target("rotated"), "rotated", plan.Rotated, data, rotProvenance, loadSeconds + generate.Elapsed.TotalSeconds,
                    (d, p, c) => RotatedExperiment.Run(d, plan.Rotated, p, c), RotatedExperiment.WriteReport);
            }),
        };

        foreach (var (name, run) in steps.Where(s => wanted.Contains(s.Name)))
        {
            if (progress.Done.Contains(name) && File.Exists(Path.Combine(outDir, name, ReportFolder.Marker)))
            {
                AnsiConsole.MarkupLine($"[grey]{name}: finished before the interruption, kept[/]");
                continue;
            }
            AnsiConsole.Write(new Rule($"[bold]{name}[/]").LeftJustified());
            clock.Restart();
            run();
            stages[name] = progress.Seconds[name] = clock.Elapsed.TotalSeconds;
            progress.Done.Add(name);
            AtomicFile.WriteAllText(progressPath, Json.Serialize(progress));
        }

        // The lab's own record (what ran, how long each stage took, the headline figures), then the index.
        var info = RunInfo.Capture(threads, provenance) with { Seed = settings.Seed, Command = CliApp.Arguments, StageSeconds = stages };
        // Only this run's experiments: with --only, folders of an earlier run may sit beside them.
        RunEntry Lab() { var r = RunIndex.Read(outDir); return r with { Experiments = r.Experiments.Where(e => wanted.Contains(e.Experiment)).ToList() }; }
        var experiments = Lab().Experiments;
        AtomicFile.WriteAllText(Path.Combine(outDir, ReportFolder.Marker), Json.Serialize(new
        {
            lab = "run all",
            quick = settings.Quick,
            seed = settings.Seed,
            total_seconds = stages.Values.Sum(), // across interruptions: each stage counted once, as it last ran
            run = info,
            headlines = experiments.ToDictionary(e => e.Experiment,
                e => RunIndex.Headlines.Where(h => h.Experiment == e.Experiment).ToDictionary(h => h.Path, h => RunIndex.Value(e.Metrics, h.Path))),
        }));
        var lab = Lab();
        RunIndex.Write(outDir, [lab], settings.Quick ? "MnistLab: the five experiments (--quick)" : "MnistLab: the five experiments");
        File.Delete(progressPath);

        var table = new Table().AddColumns("experiment", "figure", "value");
        foreach (var e in lab.Experiments)
            foreach (var h in RunIndex.Headlines.Where(h => h.Experiment == e.Experiment))
                table.AddRow(e.Experiment, Markup.Escape(h.Label), RunIndex.Value(e.Metrics, h.Path) is { } v ? (h.Percent ? $"{v:P2}" : $"{v:F3}") : "–");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{(wanted.Count == steps.Length ? "All five" : string.Join(", ", wanted))} in {stages.Values.Sum():F0} s. Index: [bold]{Markup.Escape(Path.Combine(outDir, "index.html"))}[/]");
        return 0;
    }

    /// <summary>--out follows the report folders' rule (new, empty, or an earlier run), or was left by an interrupted `run all`.</summary>
    static void CheckLabFolder(string outDir)
    {
        string full = Path.GetFullPath(outDir);
        if (!File.Exists(Path.Combine(full, ProgressFile))) ReportFolder.CheckReplaceable(full, outDir);
    }

    static LabProgress? ReadProgress(string path, LabPlan plan)
    {
        if (!File.Exists(path)) return null;
        LabProgress? saved;
        try { saved = JsonSerializer.Deserialize<LabProgress>(File.ReadAllText(path), Json.Options); }
        catch (JsonException e) { throw new DataFormatException($"{path}: not a valid progress record ({e.Message}); delete it to start over."); }
        if (saved is null || saved.Done is null || saved.Seconds is null) return null;
        if (saved.Quick != plan.Quick || saved.Seed != plan.Seed)
            throw new InvalidOptionException($"--resume: the interrupted run in {Path.GetDirectoryName(path)} used {(saved.Quick ? "--quick" : "full budgets")} and --seed {saved.Seed}; give the same, or run without --resume.");
        return saved;
    }
}
