using System.Globalization;
using System.Text;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Experiments;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Reports;

/// <summary>
/// One experiment's report folder: where it is, its parsed metrics.json, and the headline figures and answer it
/// recorded there (empty for a report that records none).
/// </summary>
public sealed record ExperimentEntry(string Experiment, string Folder, JsonElement Metrics)
{
    /// <summary>The headline figures in the order the experiment gives them, with their labels and kinds.</summary>
    public IReadOnlyList<(Headline Headline, double Value)> Headlines { get; } = ReadHeadlines(Metrics);

    public IReadOnlyDictionary<string, double> Figures => Headlines.ToDictionary(h => h.Headline.Key, h => h.Value);

    public string? Answer => Metrics.TryGetProperty("answer", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;

    public string Title => Registry.Find(Experiment)?.Title
                           ?? (Metrics.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : Experiment);

    static IReadOnlyList<(Headline, double)> ReadHeadlines(JsonElement metrics)
    {
        if (!metrics.TryGetProperty("headlines", out var all) || all.ValueKind != JsonValueKind.Object) return [];
        var list = new List<(Headline, double)>();
        foreach (var h in all.EnumerateObject())
        {
            if (h.Value.ValueKind != JsonValueKind.Object || !h.Value.TryGetProperty("value", out var v) || v.ValueKind != JsonValueKind.Number) continue;
            string Text(string field) => h.Value.TryGetProperty(field, out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : h.Name;
            var kind = Enum.TryParse<FigureKind>(Text("kind"), ignoreCase: true, out var k) ? k : FigureKind.Share;
            list.Add((new Headline(h.Name, Text("label"), Text("short"), kind), v.GetDouble()));
        }
        return list;
    }
}

/// <summary>One run as the index sees it: a `run all` folder or a single experiment's report folder.</summary>
public sealed record RunEntry(string Folder, string Label, IReadOnlyList<ExperimentEntry> Experiments, JsonElement? Lab);

/// <summary>
/// The index across experiments and runs: headline figures side by side with each experiment's answer, run records,
/// and links to each experiment's report.html. It reads only report folders on disk (the figures each experiment
/// recorded in its metrics.json), so any runs can be compared later.
/// </summary>
public static class RunIndex
{
    /// <summary>Reads a run folder: one holding experiment report folders, or one experiment's report folder.</summary>
    public static RunEntry Read(string folder, string? label = null)
    {
        if (!Directory.Exists(folder)) throw new InvalidOptionException($"{folder}: no such folder.");
        label ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        var own = ReadMetrics(folder);
        if (own is { } single && single.TryGetProperty("experiment", out var name))
            return new RunEntry(folder, label, [new ExperimentEntry(name.GetString() ?? "?", folder, single)], null);

        var entries = new List<ExperimentEntry>();
        foreach (string sub in Directory.EnumerateDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.')))
            if (ReadMetrics(sub) is { } m && m.TryGetProperty("experiment", out var n))
                entries.Add(new ExperimentEntry(n.GetString() ?? "?", sub, m));
        if (entries.Count == 0)
            throw new InvalidOptionException($"{folder}: holds no MnistLab report (no metrics.json with an experiment in it or its subfolders).");
        return new RunEntry(folder, label, entries.OrderBy(e => Order(e.Experiment)).ThenBy(e => e.Folder, StringComparer.Ordinal).ToList(), own);
    }

    static int Order(string experiment)
    {
        int i = Registry.Names.ToList().IndexOf(experiment);
        return i < 0 ? Registry.All.Count : i;
    }

    static JsonElement? ReadMetrics(string folder)
    {
        string path = Path.Combine(folder, ReportFolder.Marker);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : throw new JsonException("the top level is not an object");
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{path}: not valid JSON ({e.Message}).");
        }
    }

    /// <summary>The figure at a dotted path, or null where the run has none (an experiment not run, an older report).</summary>
    public static double? Value(JsonElement metrics, string path)
    {
        var e = metrics;
        foreach (string part in path.Split('.'))
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e)) return null;
        return e.ValueKind == JsonValueKind.Number ? e.GetDouble() : null;
    }

    /// <summary>The index as Markdown; links are relative to <paramref name="outDir"/>, where it will be written.</summary>
    public static string Markdown(IReadOnlyList<RunEntry> runs, string outDir, string title)
    {
        string Link(string folder, string file) => Path.GetRelativePath(Path.GetFullPath(outDir), Path.Combine(Path.GetFullPath(folder), file)).Replace('\\', '/');
        bool two = runs.Count == 2;
        var sb = new StringBuilder();
        sb.AppendLine($"# {title}").AppendLine();
        if (runs.Count > 1) sb.AppendLine($"{runs.Count} runs side by side" + (two ? "; the last column is the second run minus the first." : ".")).AppendLine();

        string[] header = ["", .. runs.Select(r => r.Label), .. two ? new[] { "difference" } : []];
        sb.AppendLine(Image("headline figures of every run", ChartFile)).AppendLine();
        sb.AppendLine("## Runs").AppendLine();
        sb.AppendLine(Table(header,
        [
            Row("MnistLab", runs, r => Info(r, "mnistlab_version")),
            Row("seed", runs, r => Info(r, "seed")),
            Row("threads / cores", runs, r => $"{Info(r, "threads")} / {Info(r, "cores")}"),
            Row("data", runs, r => string.Join(", ", r.Experiments.Select(e => Run(e, "data")).Where(d => d != "").Distinct())),
            Row("machine", runs, r => Info(r, "machine")),
            Row("started", runs, r => Info(r, "started")),
            Row("budget", runs, r => r.Lab is { } lab && lab.TryGetProperty("quick", out var q) ? (q.GetBoolean() ? "--quick" : "full") : ""),
            Row("wall time", runs, r => r.Lab is { } lab && Value(lab, "total_seconds") is { } t ? $"{t:F0} s" : ""),
        ]));

        // The registry's experiments in their order, then any other experiment a run holds.
        var names = Registry.Names.Concat(runs.SelectMany(r => r.Experiments).Select(e => e.Experiment)).Distinct();
        foreach (string name in names)
        {
            var present = runs.Select(r => r.Experiments.FirstOrDefault(e => e.Experiment == name)).ToList();
            if (present.All(e => e is null)) continue;
            sb.AppendLine($"## {present.First(e => e is not null)!.Title}").AppendLine();
            if (Registry.Find(name) is { } known) sb.AppendLine($"*{known.Question}*").AppendLine();
            foreach (var (run, e) in runs.Zip(present))
                if (e?.Answer is { } answer) sb.AppendLine(runs.Count > 1 ? $"- **{run.Label}**: {answer}" : answer);
            sb.AppendLine();
            var rows = new List<IReadOnlyList<string>>();
            var headlines = present.Where(e => e is not null).SelectMany(e => e!.Headlines.Select(h => h.Headline)).DistinctBy(h => h.Key).ToList();
            foreach (var h in headlines)
            {
                var values = present.Select(e => e is not null && e.Figures.TryGetValue(h.Key, out var v) ? v : (double?)null).ToList();
                rows.Add([h.Label, .. values.Select(v => v is null ? "–" : h.Format(v.Value)), .. two ? new[] { Difference(values[0], values[1], h.Kind) } : []]);
            }
            var seconds = present.Select(e => e is null ? null : Value(e.Metrics, "run.stage_seconds.train_and_analyse")).ToList();
            rows.Add(["train and analyse", .. seconds.Select(s => s is null ? "–" : $"{s:F1} s"), .. two ? new[] { Ratio(seconds[0], seconds[1]) } : []]);
            rows.Add(["report", .. present.Select(e => e is null ? "–" : $"[report.html]({Link(e.Folder, "report.html")}) · [report.md]({Link(e.Folder, "report.md")})"),
                .. two ? new[] { "" } : []]);
            sb.AppendLine(Table(header, rows));
        }
        return sb.ToString();
    }

    /// <summary>Refuses a folder whose index.html or index.md was not written by MnistLab.</summary>
    public static void CheckReplaceable(string outDir)
    {
        foreach (var (name, mark) in new[] { ("index.html", "<meta name=\"generator\" content=\"MnistLab"), ("index.md", "# MnistLab") })
        {
            string path = Path.Combine(outDir, name);
            if (File.Exists(path) && !File.ReadAllText(path).Contains(mark, StringComparison.Ordinal))
                throw new InvalidOptionException($"{outDir}: {name} exists and was not written by MnistLab; choose another folder.");
        }
    }

    static IReadOnlyList<string> Row(string label, IReadOnlyList<RunEntry> runs, Func<RunEntry, string> cell) =>
        [label, .. runs.Select(cell), .. runs.Count == 2 ? new[] { "" } : []];

    /// <summary>A field of the run record: the lab's own if it has one, else the first experiment's.</summary>
    static string Info(RunEntry run, string field)
    {
        foreach (var metrics in (run.Lab is { } lab ? new[] { lab } : []).Concat(run.Experiments.Select(e => e.Metrics)))
            if (metrics.TryGetProperty("run", out var info) && info.TryGetProperty(field, out var v))
                return v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.GetRawText();
        return "";
    }

    static string Run(ExperimentEntry e, string field) =>
        e.Metrics.TryGetProperty("run", out var info) && info.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    static string Difference(double? a, double? b, FigureKind kind) =>
        a is null || b is null ? "" : kind is FigureKind.Share or FigureKind.Points or FigureKind.Spread
            ? (b.Value - a.Value >= 0 ? "+" : "") + ((b.Value - a.Value) * 100).ToString("F2", CultureInfo.InvariantCulture) + " pt"
            : (b.Value - a.Value >= 0 ? "+" : "") + Num(b.Value - a.Value);

    static string Ratio(double? a, double? b) => a is > 0 && b is > 0 ? $"{b.Value / a.Value:F2}x" : "";

    const string ChartFile = "index_headlines.png";

    /// <summary>
    /// Writes index.md, index.html and the chart of headline figures into <paramref name="outDir"/>, each
    /// atomically. A file of those names that MnistLab did not write is never replaced.
    /// </summary>
    public static void Write(string outDir, IReadOnlyList<RunEntry> runs, string title)
    {
        CheckReplaceable(outDir);
        // The chart shows the accuracies and R² (shares and scores), which one axis from 0 to 1 holds; a run without a figure shows no bar.
        var shown = runs.SelectMany(r => r.Experiments).SelectMany(e => e.Headlines.Where(h => h.Headline.Kind is FigureKind.Share or FigureKind.Score)
            .Select(h => (e.Experiment, h.Headline))).DistinctBy(p => (p.Experiment, p.Headline.Key)).ToList();
        AtomicFile.Write(Path.Combine(outDir, ChartFile), temp => Plots.GroupedBars(temp, "Headline figures (shares: accuracies on the test set, R²)", "value",
            shown.Select(p => p.Headline.Short).ToList(),
            runs.Select(r => (r.Label, (IReadOnlyList<double>)shown.Select(p =>
                r.Experiments.FirstOrDefault(e => e.Experiment == p.Experiment) is { } e && e.Figures.TryGetValue(p.Headline.Key, out var v) ? v : 0).ToList())).ToList()));
        string markdown = Markdown(runs, outDir, title);
        AtomicFile.WriteAllText(Path.Combine(outDir, "index.md"), markdown);
        AtomicFile.WriteAllText(Path.Combine(outDir, "index.html"), HtmlPage.FromMarkdown(markdown));
    }
}
