using MnistLab.Common;
using MnistLab.Experiments;

namespace MnistLab.Sweeps;

/// <summary>
/// A sweep's grid: one experiment, its seed's options or its quick budget, the seeds, and the options it varies. The
/// grid is every seed times every setting (one value of each axis); each of its points is an ordinary run.
/// </summary>
public sealed record SweepSpec
{
    public required string Experiment { get; init; }
    public required IReadOnlyList<long> Seeds { get; init; }
    public IReadOnlyList<SweepAxis> Axes { get; init; } = [];

    /// <summary>Start from the experiment's quick budget (<see cref="IExperiment.QuickOptions"/>) instead of the seed's options.</summary>
    public bool Quick { get; init; }

    /// <summary>The MNIST folder every point reads (null: each point looks where a run looks); a point's own --data overrides it.</summary>
    public string? Data { get; init; }

    public bool NoFetch { get; init; }

    /// <summary>Every combination of one value per axis, the first axis varying slowest; one empty setting without axes.</summary>
    public IReadOnlyList<IReadOnlyList<(string Key, string Value)>> Settings()
    {
        IEnumerable<IReadOnlyList<(string, string)>> all = [[]];
        foreach (var axis in Axes)
            all = all.SelectMany(s => axis.Values.Select(v => (IReadOnlyList<(string, string)>)[.. s, (axis.Key, v)])).ToList();
        return all.ToList();
    }

    /// <summary>The points of the grid, seed by seed (every setting of a seed before the next seed), so pairs complete early.</summary>
    public IReadOnlyList<SweepPoint> Points()
    {
        var settings = Settings();
        return Seeds.SelectMany((seed, i) => settings.Select((setting, j) => new SweepPoint(i * settings.Count + j, seed, setting, LabelOf(setting)))).ToList();
    }

    /// <summary>The options of <paramref name="point"/>: the base options, its setting, then its seed.</summary>
    public object OptionsOf(SweepPoint point)
    {
        var experiment = Registry.Get(Experiment);
        var baseOptions = Quick ? experiment.QuickOptions : experiment.DefaultOptions;
        var set = OptionPaths.With(baseOptions, point.Setting.Select(s => (s.Key, SweepAxis.OptionValue(s.Value))));
        return experiment.WithSeed(set, point.Seed);
    }

    /// <summary>
    /// Checks the whole grid before any run: the experiment exists, the seeds and axes are well formed, every key is an
    /// option (an unknown one lists the valid keys), and every setting gives options the experiment accepts.
    /// </summary>
    public SweepSpec Validated()
    {
        var experiment = Registry.Get(Experiment);
        Require.That(Seeds.Count > 0, $"{nameof(SweepSpec)}.{nameof(SweepSpec.Seeds)}", "must hold at least one seed.");
        Require.That(Seeds.Distinct().Count() == Seeds.Count, $"{nameof(SweepSpec)}.{nameof(SweepSpec.Seeds)}", "must not hold a seed twice.");
        Require.That(Seeds.All(s => s >= 0), $"{nameof(SweepSpec)}.{nameof(SweepSpec.Seeds)}", "must be non-negative.");
        var twice = Axes.GroupBy(a => a.Key).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new InvalidOptionException($"{nameof(SweepSpec)}.{nameof(SweepSpec.Axes)}", $"{twice.Key} is given twice; give all its values at once ({twice.Key}=V1,V2).");
                foreach (var axis in Axes)
        {
            Require.That(axis.Values.Count > 0, $"{nameof(SweepSpec)}.{nameof(SweepSpec.Axes)}", $"{axis.Key} has no values.");
            if (RunSeed.Names(experiment, axis.Key))
                throw new InvalidOptionException($"{nameof(SweepSpec)}.{nameof(SweepSpec.Axes)}", $"{axis.Key} is the run's seed, which the sweep sets from its seeds.");
        }
        var baseOptions = Quick ? experiment.QuickOptions : experiment.DefaultOptions;
        foreach (var setting in Settings())
        {
            object options;
            try
            {
                options = OptionPaths.With(baseOptions, setting.Select(s => (s.Key, SweepAxis.OptionValue(s.Value))));
            }
            catch (InvalidOptionException e)
            {
                throw new InvalidOptionException($"{nameof(SweepSpec)}.{nameof(SweepSpec.Axes)}", $"{Label(setting)}: {e.Message}");
            }
            try
            {
                experiment.Validated(experiment.WithSeed(options, Seeds[0]));
            }
            catch (InvalidOptionException e)
            {
                throw new InvalidOptionException($"{nameof(SweepSpec)}.{nameof(SweepSpec.Axes)}", $"{Label(setting)}: {e.Message}");
            }
        }
        return this;
    }

    /// <summary>A setting as a label: <c>alpha=0, train.epochs=2</c>; the empty setting of a sweep over seeds alone is <c>default</c>.</summary>
    public static string Label(IReadOnlyList<(string Key, string Value)> setting) =>
        setting.Count == 0 ? "default" : string.Join(", ", setting.Select(s => $"{s.Key}={s.Value}"));

    /// <summary>
    /// A setting of this grid as its tables and sentences name it: by the axes that vary (<c>alpha=0.01</c>); an axis
    /// of one value is the same in every setting and named once, in the grid's description.
    /// </summary>
    public string LabelOf(IReadOnlyList<(string Key, string Value)> setting)
    {
        var varying = Axes.Where(a => a.Values.Count > 1).Select(a => a.Key).ToHashSet();
        return Label(varying.Count == 0 ? setting : setting.Where(s => varying.Contains(s.Key)).ToList());
    }
}

/// <summary>One run of a sweep: its index (its folder is <c>points/&lt;index&gt;</c>), its seed and its setting.</summary>
public sealed record SweepPoint(int Index, long Seed, IReadOnlyList<(string Key, string Value)> Setting, string SettingLabel)
{
    public override string ToString() => $"point {Index} (seed {Seed}{(Setting.Count == 0 ? "" : ", " + SweepSpec.Label(Setting))})";
}
