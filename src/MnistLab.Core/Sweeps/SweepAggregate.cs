using System.Globalization;
using MnistLab.Experiments;
using MnistLab.Reports;

namespace MnistLab.Sweeps;

/// <summary>One headline figure over seeds: its estimate and the value of each seed (for a comparison, each seed's difference).</summary>
public sealed record FigureSummary(Headline Headline, Estimate Estimate, IReadOnlyDictionary<long, double> BySeed);

/// <summary>Every headline figure of one setting of the grid, over its seeds.</summary>
public sealed record SettingSummary(string Label, IReadOnlyList<(string Key, string Value)> Setting, IReadOnlyList<FigureSummary> Figures);

/// <summary>A setting against the baseline (the grid's first setting): the differences seed by seed, for every figure.</summary>
public sealed record Comparison(string Setting, string Baseline, IReadOnlyList<FigureSummary> Differences);

/// <summary>A sweep read back: the points found finished, each setting's figures, the paired comparisons and the sentences.</summary>
public sealed record SweepAggregateResult(SweepPlan Plan, BootstrapOptions Bootstrap, IReadOnlyList<int> Finished, IReadOnlyList<int> Missing,
    IReadOnlyList<SettingSummary> Settings, IReadOnlyList<Comparison> Comparisons, IReadOnlyList<string> Sentences);

/// <summary>
/// The answers of a sweep, from its folder alone (each point's metrics.json and its "headlines"): per setting the mean,
/// standard deviation and bootstrap interval over seeds of every headline figure; for each further setting its
/// difference from the first, paired by seed (the same seed draws the same split, shuffles and initial weights, so the
/// seed-to-seed noise they share cancels); and a sentence per effect and per comparison. Points not finished are left
/// out and listed.
/// </summary>
public static class SweepAggregate
{
    public static SweepAggregateResult Compute(SweepPlan plan, BootstrapOptions? options = null)
    {
        options = (options ?? new BootstrapOptions()).Validated();
        var finished = new List<int>();
        var missing = new List<int>();
        // Figures of each point by setting label, then seed.
        var values = new Dictionary<string, Dictionary<long, IReadOnlyDictionary<string, double>>>();
        var headlines = new List<Headline>();
        var known = plan.Experiment.Headlines;
        foreach (var point in plan.Points)
        {
            string folder = plan.PointFolder(point.Index);
            if (!File.Exists(Path.Combine(folder, ReportFolder.Marker))) { missing.Add(point.Index); continue; }
            var entry = RunIndex.Read(folder).Experiments.Single();
            finished.Add(point.Index);
            if (!values.TryGetValue(point.SettingLabel, out var bySeed)) values[point.SettingLabel] = bySeed = [];
            bySeed[point.Seed] = entry.Figures;
            // The experiment's own headline (with its sentence form) where this MnistLab knows it, else the one the run recorded.
            foreach (var (h, _) in entry.Headlines)
                if (headlines.All(x => x.Key != h.Key)) headlines.Add(known.FirstOrDefault(k => k.Key == h.Key) ?? h);
        }
        headlines = headlines.OrderBy(h => Order(known, h.Key)).ToList();

        var settings = new List<SettingSummary>();
        foreach (var setting in plan.Spec.Settings())
        {
            string label = plan.Spec.LabelOf(setting);
            var bySeed = values.GetValueOrDefault(label) ?? [];
            var figures = headlines.Select(h =>
            {
                var seeds = bySeed.Where(s => s.Value.ContainsKey(h.Key)).ToDictionary(s => s.Key, s => s.Value[h.Key]);
                return new FigureSummary(h, Bootstrap.Mean(Ordered(seeds, plan), options, $"{label}/{h.Key}"), seeds);
            }).ToList();
            settings.Add(new SettingSummary(label, setting, figures));
        }

        var comparisons = new List<Comparison>();
        foreach (var other in settings.Skip(1))
        {
            var baseline = settings[0];
            var differences = headlines.Select((h, i) =>
            {
                var a = baseline.Figures[i].BySeed;
                var b = other.Figures[i].BySeed;
                var d = b.Where(s => a.ContainsKey(s.Key)).ToDictionary(s => s.Key, s => s.Value - a[s.Key]);
                return new FigureSummary(h, Bootstrap.Mean(Ordered(d, plan), options, $"{other.Label} - {baseline.Label}/{h.Key}"), d);
            }).ToList();
            comparisons.Add(new Comparison(other.Label, baseline.Label, differences));
        }

        var result = new SweepAggregateResult(plan, options, finished, missing, settings, comparisons, []);
        return result with { Sentences = Sentences(result) };
    }

    /// <summary>Values in the order of the sweep's seeds, so the resampling does not depend on the order folders were read.</summary>
    static IReadOnlyList<double> Ordered(IReadOnlyDictionary<long, double> bySeed, SweepPlan plan) =>
        plan.Spec.Seeds.Where(bySeed.ContainsKey).Select(s => bySeed[s]).ToList();

    static int Order(IReadOnlyList<Headline> known, string key)
    {
        int i = known.ToList().FindIndex(h => h.Key == key);
        return i < 0 ? known.Count : i;
    }

    /// <summary>
    /// A sentence for every effect (a figure that is itself a difference, as the ring's gain) in every setting, and for
    /// every figure of every comparison: "the ring adds +1.00 points to the linear model, 95% interval [0.90, 1.10], 20 seeds".
    /// </summary>
    static IReadOnlyList<string> Sentences(SweepAggregateResult r)
    {
        var sentences = new List<string>();
        string conf = (r.Bootstrap.Confidence * 100).ToString("0.##", CultureInfo.InvariantCulture);
        foreach (var setting in r.Settings)
            foreach (var f in setting.Figures.Where(f => f.Headline.Effect is not null || f.Headline.Kind == FigureKind.Points))
            {
                if (f.Estimate.N == 0) continue;
                string value = Signed(f.Headline.Kind, f.Estimate.Mean);
                string text = f.Headline.Effect is { } effect ? string.Format(CultureInfo.InvariantCulture, effect, value) : $"{f.Headline.Label}: {value}";
                string prefix = r.Settings.Count > 1 ? $"With {setting.Label}, " : "";
                sentences.Add(Capitalise($"{prefix}{text}, {Interval(f, conf, "seed")}."));
            }
        foreach (var c in r.Comparisons)
            foreach (var f in c.Differences.Where(f => f.Estimate.N > 0))
                sentences.Add($"{c.Setting} against {c.Baseline}: {f.Headline.Label} changes by {Signed(f.Headline.Kind, f.Estimate.Mean)}, {Interval(f, conf, "paired seed")}.");
        return sentences;
    }

    static string Interval(FigureSummary f, string conf, string what)
    {
        var e = f.Estimate;
        string n = $"{e.N} {what}{(e.N == 1 ? "" : "s")}";
        if (!e.HasInterval) return $"{n}, no interval";
        string side = e.SideOfZero switch { 1 => "above 0", -1 => "below 0", _ => "includes 0" };
        return $"{conf}% interval [{Plain(f.Headline.Kind, e.Low)}, {Plain(f.Headline.Kind, e.High)}] ({side}), {n}";
    }

    /// <summary>Whether a figure's kind reads in percentage points (shares and their differences) rather than as a plain number.</summary>
    public static bool InPoints(FigureKind kind) => kind is FigureKind.Share or FigureKind.Points or FigureKind.Spread;

    /// <summary>A difference as a sentence states it: <c>+1.00 points</c>, <c>-0.0123</c>.</summary>
    public static string Signed(FigureKind kind, double value) =>
        InPoints(kind) ? (value * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) + " points"
                       : value.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture);

    /// <summary>An interval's end in the figure's unit, without sign or unit: <c>0.90</c> points, <c>0.0123</c>.</summary>
    public static string Plain(FigureKind kind, double value) =>
        InPoints(kind) ? (value * 100).ToString("0.00", CultureInfo.InvariantCulture) : value.ToString("0.0000", CultureInfo.InvariantCulture);

    static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
