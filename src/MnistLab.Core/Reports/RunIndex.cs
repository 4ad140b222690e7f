using System.Globalization;
using System.Text;
using System.Text.Json;
using MnistLab.Common;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Reports;

/// <summary>One figure the index shows for an experiment, read from its metrics.json by a dotted path; Short names its bar.</summary>
public sealed record Headline(string Experiment, string Label, string Path, string Short, bool Percent = true);

/// <summary>One experiment's report folder: where it is and its parsed metrics.json.</summary>
public sealed record ExperimentEntry(string Experiment, string Folder, JsonElement Metrics);

/// <summary>One run as the index sees it: a `run all` folder or a single experiment's report folder.</summary>
public sealed record RunEntry(string Folder, string Label, IReadOnlyList<ExperimentEntry> Experiments, JsonElement? Lab);

/// <summary>
/// The index across experiments and runs: headline figures side by side, run records, and links to each
/// experiment's report.html. It reads only report folders on disk, so any runs can be compared later.
/// </summary>
public static class RunIndex
{
    /// <summary>The experiments in the order `run all` runs them, with their titles.</summary>
    public static readonly IReadOnlyList<(string Name, string Title)> Experiments =
    [
        ("linearity", "Limits of linearity (seed 003)"),
        ("ring", "The ring feature against pixels (seed 000)"),
        ("local-mi", "A layer-local mutual-information rule (seed 002)"),
        ("vae-probe", "VAE latents probed for concepts (seed 004)"),
        ("rotated", "Rotated digits on textures and ResNet filters (seed 001)"),
    ];

    public static readonly IReadOnlyList<Headline> Headlines =
    [
        new("linearity", "linear + MSE: test accuracy", "models.linear_mse.test_acc", "linear MSE"),
        new("linearity", "linear + cross-entropy: test accuracy", "models.linear_ce.test_acc", "linear CE"),
        new("linearity", "MLP: test accuracy", "models.mlp_ce.test_acc", "MLP"),
        new("ring", "linear on pixels + ring: test accuracy", "models.linear.test_acc", "ring: linear"),
        new("ring", "MLP on pixels + ring: test accuracy", "models.mlp.test_acc", "ring: MLP"),
        new("local-mi", "hard MI, sequential: test accuracy", "configs.local_hard_sequential.test_acc", "local MI hard"),
        new("local-mi", "soft MI, sequential: test accuracy", "configs.local_soft_sequential.test_acc", "local MI soft"),
        new("local-mi", "backprop baseline: test accuracy", "configs.backprop.test_acc", "backprop 784-64"),
        new("vae-probe", "probe R² on test: size", "probe.test.r2.size", "R² size", Percent: false),
        new("vae-probe", "probe R² on test: thickness", "probe.test.r2.thick", "R² thickness", Percent: false),
        new("vae-probe", "probe R² on test: slant", "probe.test.r2.slant", "R² slant", Percent: false),
        new("rotated", "ResNet: test accuracy", "test_acc", "rotated: ResNet"),
        new("rotated", "linear baseline: test accuracy", "linear_test_acc", "rotated: linear"),
    ];

    /// <summary>Reads a run folder: one holding experiment report folders, or one experiment's report folder.</summary>
    public static RunEntry Read(string folder, string? label = null)
    {
        if (!Directory.Exists(folder)) throw new InvalidOptionException($"--runs {folder}: no such folder.");
        label ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        var own = ReadMetrics(folder);
        if (own is { } single && single.TryGetProperty("experiment", out var name))
            return new RunEntry(folder, label, [new ExperimentEntry(name.GetString() ?? "?", folder, single)], null);

        var entries = new List<ExperimentEntry>();
        foreach (string sub in Directory.EnumerateDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.')))
            if (ReadMetrics(sub) is { } m && m.TryGetProperty("experiment", out var n))
                entries.Add(new ExperimentEntry(n.GetString() ?? "?", sub, m));
        if (entries.Count == 0)
            throw new InvalidOptionException($"--runs {folder}: holds no MnistLab report (no metrics.json with an experiment in it or its subfolders).");
        return new RunEntry(folder, label, entries.OrderBy(e => Order(e.Experiment)).ThenBy(e => e.Folder, StringComparer.Ordinal).ToList(), own);
    }

    static int Order(string experiment)
    {
        for (int i = 0; i < Experiments.Count; i++) if (Experiments[i].Name == experiment) return i;
        return Experiments.Count;
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

        // The five in their order, then any other experiment a run holds, titled by its name.
        var names = Experiments.Select(e => e.Name).Concat(runs.SelectMany(r => r.Experiments).Select(e => e.Experiment)).Distinct();
        foreach (string name in names)
        {
            string experimentTitle = Experiments.FirstOrDefault(e => e.Name == name).Title ?? name;
            var present = runs.Select(r => r.Experiments.FirstOrDefault(e => e.Experiment == name)).ToList();
            if (present.All(e => e is null)) continue;
            sb.AppendLine($"## {experimentTitle}").AppendLine();
            var rows = new List<IReadOnlyList<string>>();
            foreach (var h in Headlines.Where(h => h.Experiment == name))
            {
                var values = present.Select(e => e is null ? null : Value(e.Metrics, h.Path)).ToList();
                rows.Add([h.Label, .. values.Select(v => Format(v, h.Percent)), .. two ? new[] { Difference(values[0], values[1], h.Percent) } : []]);
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
                throw new InvalidOptionException($"--out {outDir}: {name} exists and was not written by MnistLab; choose another folder.");
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

    static string Format(double? v, bool percent) => v is null ? "–" : percent ? Pct(v.Value) : Num(v.Value);

    static string Difference(double? a, double? b, bool percent) =>
        a is null || b is null ? "" : percent
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
        // Every headline is an accuracy or an R², so one axis from 0 to 1 holds them all; a run without a figure shows no bar.
        var shown = Headlines.Where(h => runs.Any(r => r.Experiments.Any(e => e.Experiment == h.Experiment))).ToList();
        AtomicFile.Write(Path.Combine(outDir, ChartFile), temp => Plots.GroupedBars(temp, "Headline figures (accuracy on the test set, or R²)", "value",
            shown.Select(h => h.Short).ToList(),
            runs.Select(r => (r.Label, (IReadOnlyList<double>)shown.Select(h =>
                r.Experiments.FirstOrDefault(e => e.Experiment == h.Experiment) is { } e && Value(e.Metrics, h.Path) is { } v ? v : 0).ToList())).ToList()));
        string markdown = Markdown(runs, outDir, title);
        AtomicFile.WriteAllText(Path.Combine(outDir, "index.md"), markdown);
        AtomicFile.WriteAllText(Path.Combine(outDir, "index.html"), HtmlPage.FromMarkdown(markdown));
    }
}
