using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MnistLab.Common;
using MnistLab.Experiments;
using MnistLab.Reports;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Sweeps;

/// <summary>
/// The aggregated sweep as a report folder (staged, swapped in whole): report.md and report.html with the answers, a
/// table and a figure with error bars per headline figure, the paired differences, and metrics.json holding every
/// number of them (per setting and figure: n, mean, sd, interval and each seed's value).
/// </summary>
public static class SweepReport
{
    /// <summary>The default report folder of a sweep: <c>DIR/report</c>.</summary>
    public static string DefaultFolder(SweepPlan plan) => Path.Combine(plan.Folder, "report");

    public static void Write(SweepAggregateResult r, string outDir)
    {
        using var report = ReportFolder.Open(outDir);
        report.Publish(folder =>
        {
            var figures = new List<string>();
            var headlines = r.Settings.Count > 0 ? r.Settings[0].Figures.Select(f => f.Headline).ToList() : [];
            for (int i = 0; i < headlines.Count; i++)
            {
                var h = headlines[i];
                double scale = SweepAggregate.InPoints(h.Kind) ? 100 : 1;
                string unit = h.Kind == FigureKind.Share ? " (%)" : SweepAggregate.InPoints(h.Kind) ? " (points)" : "";
                IntervalPlot.Write(folder.PathOf(FigureFile(h)), $"{h.Short}: mean and {Conf(r)}% interval over seeds", h.Short + unit,
                    r.Settings.Select(s => Group(s.Label, s.Figures[i], scale, r.Plan)).ToList(), zeroLine: h.Kind == FigureKind.Points);
                if (r.Comparisons.Count > 0)
                    IntervalPlot.Write(folder.PathOf(DifferenceFile(h)), $"{h.Short}: difference from {r.Comparisons[0].Baseline}, paired by seed",
                        $"difference{(SweepAggregate.InPoints(h.Kind) ? " (points)" : "")}",
                        r.Comparisons.Select(c => Group(c.Setting, c.Differences[i], scale, r.Plan)).ToList(), zeroLine: true);
            }
            foreach (var (x, y) in TradeOffs(r))
                TradeOffPlot.Write(folder.PathOf(TradeOffFile(y.Headline)), $"{y.Headline.Short} against {x.Headline.Short} ({Conf(r)}% intervals)",
                    x.Headline.Short, y.Headline.Short, [.. r.Settings.Select(s => TradeOff(s, x.Headline, y.Headline, r.Plan))]);
            folder.WriteReport(Markdown(r, outDir));
            folder.WriteText(ReportFolder.Marker, Metrics(r).ToJsonString(Json.Options));
        });
    }

    static IntervalGroup Group(string label, FigureSummary f, double scale, SweepPlan plan) =>
        new(label, plan.Spec.Seeds.Where(f.BySeed.ContainsKey).Select(s => f.BySeed[s] * scale).ToList(),
            f.Estimate.Mean * scale, f.Estimate.Low * scale, f.Estimate.High * scale);

    /// <summary>The headline pairs a sweep draws against each other (<see cref="Headline.Against"/>), when it has more than one setting and both figures.</summary>
    static IEnumerable<(FigureSummary X, FigureSummary Y)> TradeOffs(SweepAggregateResult r)
    {
        if (r.Settings.Count < 2) yield break;
        var figures = r.Settings[0].Figures;
        foreach (var y in figures)
            if (y.Headline.Against is { } key && figures.FirstOrDefault(f => f.Headline.Key == key) is { } x)
                yield return (x, y);
    }

    static TradeOffPoint TradeOff(SettingSummary s, Headline x, Headline y, SweepPlan plan)
    {
        var fx = s.Figures.Single(f => f.Headline.Key == x.Key);
        var fy = s.Figures.Single(f => f.Headline.Key == y.Key);
        var seeds = plan.Spec.Seeds.Where(k => fx.BySeed.ContainsKey(k) && fy.BySeed.ContainsKey(k)).Select(k => (fx.BySeed[k], fy.BySeed[k])).ToList();
        return new TradeOffPoint(s.Label, seeds, Group(s.Label, fx, 1, plan), Group(s.Label, fy, 1, plan));
    }

    static string FigureFile(Headline h) => $"sweep_{h.Key}.png";
    static string TradeOffFile(Headline h) => $"tradeoff_{h.Key}.png";
    static string DifferenceFile(Headline h) => $"difference_{h.Key}.png";
    static string Conf(SweepAggregateResult r) => (r.Bootstrap.Confidence * 100).ToString("0.##", CultureInfo.InvariantCulture);

    static string Mean(Headline h, Estimate e) => e.N == 0 ? "–" : h.Format(e.Mean);
    static string Sd(Headline h, Estimate e) => double.IsNaN(e.Sd) ? "–" : SweepAggregate.InPoints(h.Kind) ? $"{e.Sd * 100:0.00} pt" : Num(e.Sd);
    static string Range(Headline h, Estimate e) => e.HasInterval ? $"[{h.Format(e.Low)}, {h.Format(e.High)}]" : "–";
    static string Difference(Headline h, double v) => SweepAggregate.Signed(h.Kind, v).Replace(" points", " pt");
    static string DiffRange(Headline h, Estimate e) => e.HasInterval ? $"[{Difference(h, e.Low)}, {Difference(h, e.High)}]" : "–";

    /// <summary>The report as Markdown; links to the points' reports are relative to <paramref name="outDir"/>, where it will be written.</summary>
    public static string Markdown(SweepAggregateResult r, string outDir)
    {
        var plan = r.Plan;
        var experiment = plan.Experiment;
        string conf = Conf(r);
        var sb = new StringBuilder();
        sb.AppendLine($"# Sweep: {experiment.Title}").AppendLine();
        sb.AppendLine($"*{experiment.Question}*").AppendLine();
        sb.AppendLine($"{SweepPlan.Describe(plan.Spec)}: {r.Finished.Count} of {plan.Points.Count} points finished"
                      + (r.Missing.Count > 0 ? $" (not yet: {SeedList.Compact(r.Missing.Select(m => (long)m))}; they are left out below)" : "") + ".").AppendLine();
        if (r.Sentences.Count > 0)
        {
            sb.AppendLine("## Answers").AppendLine();
            foreach (string s in r.Sentences) sb.AppendLine($"- {s}");
            sb.AppendLine();
        }

        sb.AppendLine("## Figures over seeds").AppendLine();
        sb.AppendLine($"Each headline figure of the experiment, per setting: mean and standard deviation over seeds, and the {conf}% interval of the mean " +
                      $"(percentile bootstrap over seeds, {r.Bootstrap.Resamples:N0} resamples, seed {r.Bootstrap.Seed}). The dots are the seeds.").AppendLine();
        var headlines = r.Settings.Count > 0 ? r.Settings[0].Figures.Select(f => f.Headline).ToList() : [];
        for (int i = 0; i < headlines.Count; i++)
        {
            var h = headlines[i];
            sb.AppendLine($"### {h.Label}").AppendLine();
            sb.AppendLine(Table(["setting", "seeds", "mean", "sd", $"{conf}% interval"],
                r.Settings.Select(s => (IReadOnlyList<string>)[s.Label, $"{s.Figures[i].Estimate.N}", Mean(h, s.Figures[i].Estimate), Sd(h, s.Figures[i].Estimate), Range(h, s.Figures[i].Estimate)])));
            sb.AppendLine(Image($"{h.Short} per setting", FigureFile(h))).AppendLine();
        }

        foreach (var (x, y) in TradeOffs(r))
        {
            sb.AppendLine($"## {y.Headline.Short} against {x.Headline.Short}").AppendLine();
            sb.AppendLine($"How the two figures move together over the settings: each setting's means, with their {conf}% intervals over seeds.").AppendLine();
            sb.AppendLine(Table(["setting", x.Headline.Short, $"{conf}% interval", y.Headline.Short, $"{conf}% interval"],
                r.Settings.Select(s =>
                {
                    var (ex, ey) = (s.Figures.Single(f => f.Headline.Key == x.Headline.Key).Estimate, s.Figures.Single(f => f.Headline.Key == y.Headline.Key).Estimate);
                    return (IReadOnlyList<string>)[s.Label, Mean(x.Headline, ex), Range(x.Headline, ex), Mean(y.Headline, ey), Range(y.Headline, ey)];
                })));
            sb.AppendLine(Image($"{y.Headline.Short} against {x.Headline.Short}", TradeOffFile(y.Headline))).AppendLine();
        }

        if (r.Comparisons.Count > 0)
        {
            sb.AppendLine($"## Differences from {r.Comparisons[0].Baseline}, paired by seed").AppendLine();
            sb.AppendLine("Each seed's figure in a setting minus the same seed's in the first setting; the mean of these differences with its " +
                          $"{conf}% bootstrap interval. Seeds missing from either setting are left out.").AppendLine();
            for (int i = 0; i < headlines.Count; i++)
            {
                var h = headlines[i];
                sb.AppendLine($"### {h.Label}").AppendLine();
                sb.AppendLine(Table(["setting", "paired seeds", "mean difference", "sd", $"{conf}% interval"],
                    r.Comparisons.Select(c => (IReadOnlyList<string>)[c.Setting, $"{c.Differences[i].Estimate.N}",
                        c.Differences[i].Estimate.N == 0 ? "–" : Difference(h, c.Differences[i].Estimate.Mean), Sd(h, c.Differences[i].Estimate), DiffRange(h, c.Differences[i].Estimate)])));
                sb.AppendLine(Image($"{h.Short}: differences", DifferenceFile(h))).AppendLine();
            }
        }

        sb.AppendLine("## The sweep").AppendLine();
        var seconds = r.Finished.Select(k => RunIndex.Read(plan.PointFolder(k)).Experiments.Single())
            .Select(e => RunIndex.Value(e.Metrics, "run.stage_seconds.train_and_analyse") ?? 0).ToList();
        sb.AppendLine(Table(["", ""],
        [
            ["experiment", $"{experiment.Name} ({(plan.Spec.Quick ? "quick budget, as --quick" : "the seed's options")})"],
            ["seeds", $"{plan.Spec.Seeds.Count}: {SeedList.Compact(plan.Spec.Seeds)}"],
            ["settings", plan.Spec.Axes.Count == 0 ? "one (the options as they are)" : string.Join("; ", plan.Spec.Axes.Select(a => $"{a.Key} = {string.Join(", ", a.Values)}"))],
            ["points", $"{plan.Points.Count} ({r.Finished.Count} finished)"],
            ["training and analysis", $"{seconds.Sum():F0} s in all, {(seconds.Count > 0 ? seconds.Average() : 0):F1} s per point"],
            ["folder", plan.Folder],
        ]));
        sb.AppendLine("### Points").AppendLine();
        sb.AppendLine(Table(["point", "seed", "setting", .. headlines.Select(h => h.Short), "report"],
            plan.Points.Select(p =>
            {
                var setting = r.Settings.First(s => s.Label == p.SettingLabel);
                bool done = r.Finished.Contains(p.Index);
                string link = Path.GetRelativePath(Path.GetFullPath(outDir), Path.Combine(plan.PointFolder(p.Index), "report.html")).Replace('\\', '/');
                return (IReadOnlyList<string>)[$"{p.Index}", $"{p.Seed}", p.SettingLabel,
                    .. setting.Figures.Select(f => f.BySeed.TryGetValue(p.Seed, out var v) ? f.Headline.Format(v) : "–"),
                    done ? $"[report]({link})" : "not finished"];
            })));
        return sb.ToString();
    }

    static JsonNode Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(v.ToString(CultureInfo.InvariantCulture));

    static JsonObject Summary(FigureSummary f, IReadOnlyList<long> seeds) => new()
    {
        ["label"] = f.Headline.Label,
        ["kind"] = f.Headline.Kind.ToString().ToLowerInvariant(),
        ["n"] = f.Estimate.N,
        ["mean"] = Number(f.Estimate.Mean),
        ["sd"] = Number(f.Estimate.Sd),
        ["low"] = Number(f.Estimate.Low),
        ["high"] = Number(f.Estimate.High),
        ["by_seed"] = new JsonObject(seeds.Where(f.BySeed.ContainsKey).Select(s => KeyValuePair.Create($"{s}", (JsonNode?)Number(f.BySeed[s])))),
    };

    /// <summary>The aggregate as JSON (metrics.json of the report): every number the report shows, and nothing that depends on when it was made.</summary>
    public static JsonObject Metrics(SweepAggregateResult r)
    {
        var seeds = r.Plan.Spec.Seeds;
        return new JsonObject
        {
            ["sweep"] = new JsonObject
            {
                ["experiment"] = r.Plan.Spec.Experiment,
                ["quick"] = r.Plan.Spec.Quick,
                ["seeds"] = new JsonArray(seeds.Select(s => (JsonNode)s).ToArray()),
                ["axes"] = new JsonArray(r.Plan.Spec.Axes.Select(a => (JsonNode)new JsonObject { ["key"] = a.Key, ["values"] = new JsonArray(a.Values.Select(v => (JsonNode)v).ToArray()) }).ToArray()),
                ["points"] = r.Plan.Points.Count,
                ["finished"] = new JsonArray(r.Finished.Select(k => (JsonNode)k).ToArray()),
                ["missing"] = new JsonArray(r.Missing.Select(k => (JsonNode)k).ToArray()),
            },
            ["bootstrap"] = new JsonObject { ["method"] = "percentile", ["resamples"] = r.Bootstrap.Resamples, ["confidence"] = r.Bootstrap.Confidence, ["seed"] = r.Bootstrap.Seed },
            ["settings"] = new JsonArray(r.Settings.Select(s => (JsonNode)new JsonObject
            {
                ["label"] = s.Label,
                ["setting"] = new JsonObject(s.Setting.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                ["figures"] = new JsonObject(s.Figures.Select(f => KeyValuePair.Create(f.Headline.Key, (JsonNode?)Summary(f, seeds)))),
            }).ToArray()),
            ["comparisons"] = new JsonArray(r.Comparisons.Select(c => (JsonNode)new JsonObject
            {
                ["setting"] = c.Setting,
                ["baseline"] = c.Baseline,
                ["differences"] = new JsonObject(c.Differences.Select(f => KeyValuePair.Create(f.Headline.Key, (JsonNode?)Summary(f, seeds)))),
            }).ToArray()),
            ["sentences"] = new JsonArray(r.Sentences.Select(s => (JsonNode)s).ToArray()),
        };
    }
}
