using System.Text.Json;
using MnistLab.Benchmarks;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Reports;
using MnistLab.Runs;
using MnistLab.Training;

namespace MnistLab.Experiments;

/// <summary>
/// How a headline figure reads: a share (an accuracy, shown in %), a score on the same 0-to-1 scale shown as a number
/// (an R²), a difference of shares (signed, in points), a spread of shares (a standard deviation, in points), a count,
/// or a plain number. Shares and scores share one axis in the index's chart.
/// </summary>
public enum FigureKind { Share, Score, Points, Spread, Count, Number }

/// <summary>One figure an experiment puts forward: its key in metrics.json, a label, a short label for charts, and its kind.</summary>
public sealed record Headline(string Key, string Label, string Short, FigureKind Kind = FigureKind.Share)
{
    /// <summary>
    /// For a figure that is itself an effect (a difference), how a sentence states it, with {0} for the value:
    /// <c>the ring adds {0} to the linear model</c>. Sweeps read their aggregated answers this way.
    /// </summary>
    public string? Effect { get; init; }

    /// <summary>
    /// The key of another headline this one is traded against, as a dictionary's FVU against its L0: a sweep over the
    /// setting that moves both draws this figure against that one, a point per setting (the frontier).
    /// </summary>
    public string? Against { get; init; }

    /// <summary>The figure as the reports print it: 92.61%, +1.00 pt, 0.934.</summary>
    public string Format(double value) => Kind switch
    {
        FigureKind.Share => Markdown.Pct(value),
        FigureKind.Points => $"{value * 100:+0.00;-0.00} pt",
        FigureKind.Spread => $"{value * 100:0.00} pt",
        FigureKind.Count => $"{value:0}",
        _ => Markdown.Num(value),
    };
}

/// <summary>What an experiment's run has to work with, besides its options: progress, checkpoints, cancellation.</summary>
public sealed record RunContext(IProgressSink Progress, Checkpointing? Checkpoints = null, CancellationToken Cancel = default)
{
    public static readonly RunContext None = new(ProgressSink.None);
}

/// <summary>
/// An experiment as the lab sees it, whatever its options and result: enough to list it, run it into a folder
/// (<see cref="RunInto"/>), and read its figures back. <see cref="Experiment{TOptions, TResult}"/> implements it.
/// </summary>
public interface IExperiment
{
    /// <summary>Its name on the command line and as a folder: <c>ring</c>.</summary>
    string Name { get; }
    string Title { get; }

    /// <summary>The question it answers, in one sentence.</summary>
    string Question { get; }

    /// <summary>The seed document it rebuilds, in seeds/.</summary>
    string SeedDocument { get; }

    Type OptionsType { get; }

    /// <summary>The seed's options.</summary>
    object DefaultOptions { get; }

    /// <summary>The reduced budget of <c>run all --quick</c>: fewer epochs and seeds, the same architectures and findings.</summary>
    object QuickOptions { get; }

    /// <summary>
    /// <paramref name="options"/> with the run's seed: the top-level <c>Seed</c> of every experiment's options, the one
    /// seed every random stream of the run is drawn from (sub-options carry none).
    /// </summary>
    object WithSeed(object options, long seed);

    /// <summary>Checks <paramref name="options"/> (of <see cref="OptionsType"/>) as a run would; throws <see cref="InvalidOptionException"/> naming the option.</summary>
    object Validated(object options);

    IReadOnlyList<Headline> Headlines { get; }

    /// <summary>The answer to <see cref="Question"/> in one sentence, read off the headline figures (keys of <see cref="Headlines"/>).</summary>
    string Answer(IReadOnlyDictionary<string, double> figures);

    /// <summary>The experiment's workload in <c>mnistlab bench</c>, if it has one.</summary>
    BenchSection? Bench { get; }

    /// <summary>Runs with <paramref name="options"/> (of <see cref="OptionsType"/>) into the report folder <paramref name="outDir"/>.</summary>
    ExperimentRun RunInto(object options, string outDir, LabData data, RunSetup? setup = null);
}

/// <summary>
/// The run's seed among the keys of an experiment's options. It is no option like the others: a run is given it apart
/// (<c>--seed</c>), a sweep draws it from its list of seeds, and sub-options carry no seed of their own, so a key such as
/// <c>train.seed</c> names the run's seed too, not an option that could be set.
/// </summary>
public static class RunSeed
{
    /// <summary>The keys <see cref="IExperiment.WithSeed"/> sets: those whose JSON differs between two seeds (<c>seed</c>).</summary>
    public static IReadOnlySet<string> Keys(IExperiment experiment)
    {
        var a = Flatten(JsonSerializer.SerializeToElement(experiment.WithSeed(experiment.DefaultOptions, 1), experiment.OptionsType, Json.Options), "");
        var b = Flatten(JsonSerializer.SerializeToElement(experiment.WithSeed(experiment.DefaultOptions, 2), experiment.OptionsType, Json.Options), "");
        return a.Where(kv => !b.TryGetValue(kv.Key, out var v) || v != kv.Value).Select(kv => kv.Key).ToHashSet();
    }

    /// <summary>
    /// Whether <paramref name="key"/> names the run's seed: one of <see cref="Keys"/>, or a key ending in <c>seed</c> that
    /// is no option (the seed of sub-options, which take the run's). An option that is a seed of its own, such as the
    /// rotated experiment's <c>data.generate.seed</c> (the generated data's), is an option like any other.
    /// </summary>
    public static bool Names(IExperiment experiment, string key) =>
        Keys(experiment).Contains(key) || (key.Split('.')[^1] == "seed" && OptionPaths.LibraryName(experiment.OptionsType, key) is null);

    static Dictionary<string, string> Flatten(JsonElement e, string prefix)
    {
        var d = new Dictionary<string, string>();
        if (e.ValueKind != JsonValueKind.Object) { d[prefix] = e.GetRawText(); return d; }
        foreach (var p in e.EnumerateObject())
            foreach (var kv in Flatten(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}"))
                d[kv.Key] = kv.Value;
        return d;
    }
}

/// <summary>
/// The shape of every experiment: its description and options (the seed's defaults and a quick budget), the run
/// itself (data, model, train, analyse), its report, its headline figures and the answer they give. The run folder's
/// life cycle around it (lock, staging, checkpoints, run record, swap-in) is <see cref="Runner"/>'s.
/// </summary>
public abstract class Experiment<TOptions, TResult> : IExperiment where TOptions : class
{
    public abstract string Name { get; }
    public abstract string Title { get; }
    public abstract string Question { get; }
    public abstract string SeedDocument { get; }
    public Type OptionsType => typeof(TOptions);

    public abstract TOptions Defaults { get; }
    public abstract TOptions Quick { get; }
    public abstract TOptions WithSeed(TOptions options, long seed);
    public abstract long SeedOf(TOptions options);

    /// <summary>Checks the options once, at the edge; throws <see cref="InvalidOptionException"/> naming the option.</summary>
    public abstract TOptions Validated(TOptions options);

    public abstract IReadOnlyList<Headline> Headlines { get; }
    public abstract string Answer(IReadOnlyDictionary<string, double> figures);
    public virtual BenchSection? Bench => null;

    /// <summary>Loads the data the run reads and says what it is (recorded in checkpoints before any training).</summary>
    public abstract DataProvenance Prepare(TOptions options, LabData data, IProgressSink progress);

    /// <summary>Data, model, train, analyse: the experiment itself. Options are already validated.</summary>
    public abstract TResult Run(TOptions options, LabData data, RunContext context);

    /// <summary>The headline figures of a result, by <see cref="Headline.Key"/>.</summary>
    public abstract IReadOnlyDictionary<string, double> Figures(TResult result);

    /// <summary>The experiment's own part of metrics.json (the run record, options and headlines are added around it).</summary>
    public abstract object Metrics(TResult result);

    /// <summary>Writes report.md (and report.html) and the figures into <paramref name="folder"/>.</summary>
    public abstract void WriteReport(TResult result, RunInfo info, ReportFolder folder);

    /// <summary>Runs into <paramref name="outDir"/> with the folder's whole life cycle; see <see cref="Runner.Run{TOptions, TResult}"/>.</summary>
    public ExperimentRun<TResult> RunInto(TOptions options, string outDir, LabData data, RunSetup? setup = null) =>
        Runner.Run(this, options, outDir, data, setup);

    object IExperiment.DefaultOptions => Defaults;
    object IExperiment.QuickOptions => Quick;
    object IExperiment.WithSeed(object options, long seed) => WithSeed(Cast(options), seed);
    object IExperiment.Validated(object options) => Validated(Cast(options));
    ExperimentRun IExperiment.RunInto(object options, string outDir, LabData data, RunSetup? setup) => RunInto(Cast(options), outDir, data, setup);

    TOptions Cast(object options) => options as TOptions
        ?? throw new ArgumentException($"{Name} takes {typeof(TOptions).Name}, got {options.GetType().Name}.");
}
