using System.Text.Json;
using System.Text.Json.Nodes;
using MnistLab.Common;
using MnistLab.Experiments;

namespace MnistLab.Sweeps;

/// <summary>
/// A sweep's folder on disk: <c>sweep.json</c> (the grid and its points), <c>points/&lt;k&gt;/</c> (each point an
/// ordinary run folder with its metrics.json), <c>state/</c> (which points run now and why one failed) and
/// <c>logs/</c>. Everything a sweep knows is in these files, so it is resumed, run elsewhere (Slurm, Kubernetes)
/// and aggregated from the folder alone. A sweep grows: the same experiment with more seeds or more values of the keys
/// it varies keeps its points (their folders and indices) and appends the new ones.
/// </summary>
public sealed class SweepPlan
{
    public const string File = "sweep.json";
    const int Format = 1;

    public string Folder { get; }
    public SweepSpec Spec { get; }
    public IReadOnlyList<SweepPoint> Points { get; }
    public IExperiment Experiment { get; }

    /// <summary>The points this invocation added to a sweep that was already in the folder (empty unless it grew).</summary>
    public IReadOnlyList<SweepPoint> Added { get; private init; } = [];

    SweepPlan(string folder, SweepSpec spec, IReadOnlyList<SweepPoint>? points = null)
    {
        Folder = Path.GetFullPath(folder);
        Spec = spec;
        Points = points ?? spec.Points();
        Experiment = Registry.Get(spec.Experiment);
    }

    public string PointsFolder => Path.Combine(Folder, "points");
    public string StateFolder => Path.Combine(Folder, "state");
    public string LogsFolder => Path.Combine(Folder, "logs");

    /// <summary>The run folder of point <paramref name="index"/>.</summary>
    public string PointFolder(int index) => Path.Combine(PointsFolder, index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Point <paramref name="index"/>, or an error naming the sweep's range.</summary>
    public SweepPoint Point(int index) =>
        index >= 0 && index < Points.Count ? Points[index]
            : throw new InvalidOptionException("point", $"{Folder}: no point {index}; this sweep has points 0-{Points.Count - 1}.");

    /// <summary>True when <paramref name="folder"/> holds a sweep (its sweep.json).</summary>
    public static bool IsSweep(string folder) => System.IO.File.Exists(Path.Combine(folder, File));

    /// <summary>
    /// The sweep of <paramref name="spec"/> in <paramref name="folder"/>: created (sweep.json and its folders) if the
    /// folder is new or empty, reopened if it already holds this grid (a resumed sweep), grown if it holds a smaller grid
    /// of the same experiment and keys (<see cref="Added"/> lists the new points), refused if it holds another grid or
    /// anything that is not a sweep.
    /// </summary>
    public static SweepPlan Create(string folder, SweepSpec spec, IReadOnlyList<string>? command = null)
    {
        spec = spec.Validated();
        string full = Path.GetFullPath(folder);
        if (System.IO.File.Exists(full)) throw new InvalidOptionException($"{folder}: is a file, expected a folder.");
        IReadOnlyList<SweepPoint>? points = null;
        IReadOnlyList<SweepPoint> added = [];
        if (IsSweep(full))
        {
            var existing = Open(full);
            if (SameGrid(existing.Spec, spec))
            {
                if (spec.Data is null || (spec.Data == existing.Spec.Data && spec.NoFetch == existing.Spec.NoFetch)) return existing;
                spec = existing.Spec with { Data = spec.Data, NoFetch = spec.NoFetch }; // where MNIST is may change between invocations
                points = existing.Points;
            }
            else
            {
                if (WhyNotGrown(existing.Spec, spec) is { } why)
                    throw new InvalidOptionException($"{folder}: holds a sweep of another grid ({Describe(existing.Spec)}); {why}. Run that one as it is (mnistlab sweep run --out {folder}), grow it, or choose another folder.");
                spec = spec with { Data = spec.Data ?? existing.Spec.Data };
                (points, added) = Grown(existing.Points, spec);
            }
        }
        else if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new InvalidOptionException($"{folder}: the folder exists and is not a sweep (no {File}); choose a new or empty folder.");

        var plan = new SweepPlan(full, spec, points) { Added = added };
        try
        {
            foreach (var dir in new[] { plan.PointsFolder, plan.StateFolder, plan.LogsFolder }) Directory.CreateDirectory(dir);
            AtomicFile.WriteAllText(Path.Combine(full, File), plan.ToJson(command).ToJsonString(Json.Options));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MnistLabException($"{folder}: cannot write the sweep there ({e.Message}).", e);
        }
        return plan;
    }

    /// <summary>
    /// Null when <paramref name="larger"/> grows <paramref name="grid"/>: the same experiment and budget, the same keys in
    /// the same order, every seed and every value kept. Otherwise what differs, for the refusal.
    /// </summary>
    static string? WhyNotGrown(SweepSpec grid, SweepSpec larger)
    {
        if (grid.Experiment != larger.Experiment) return $"this one is of {larger.Experiment}";
        if (grid.Quick != larger.Quick) return larger.Quick ? "this one adds --quick" : "this one has no --quick";
        if (!grid.Axes.Select(a => a.Key).SequenceEqual(larger.Axes.Select(a => a.Key)))
            return $"this one varies {(larger.Axes.Count == 0 ? "no key" : string.Join(", ", larger.Axes.Select(a => a.Key)))}, that one {(grid.Axes.Count == 0 ? "no key" : string.Join(", ", grid.Axes.Select(a => a.Key)))}";
        var dropped = grid.Seeds.Except(larger.Seeds).ToList();
        if (dropped.Count > 0) return $"this one leaves out seed{(dropped.Count == 1 ? "" : "s")} {SeedList.Compact(dropped)} (a sweep grows, it never shrinks)";
        foreach (var (old, now) in grid.Axes.Zip(larger.Axes))
            if (old.Values.Except(now.Values).FirstOrDefault() is { } value) return $"this one leaves out {old.Key}={value} (a sweep grows, it never shrinks)";
        return null;
    }

    /// <summary>The points of <paramref name="spec"/>'s grid: those already in the folder under their indices, then the new ones after them, in grid order.</summary>
    static (IReadOnlyList<SweepPoint> All, IReadOnlyList<SweepPoint> Added) Grown(IReadOnlyList<SweepPoint> existing, SweepSpec spec)
    {
        var all = existing.Select(p => p with { SettingLabel = spec.LabelOf(p.Setting) }).ToList();
        var added = new List<SweepPoint>();
        foreach (var p in spec.Points())
            if (!existing.Any(e => e.Seed == p.Seed && e.Setting.SequenceEqual(p.Setting)))
            {
                var point = p with { Index = all.Count };
                all.Add(point);
                added.Add(point);
            }
        return (all, added);
    }

    /// <summary>Reads the sweep in <paramref name="folder"/>; a missing or damaged sweep.json is an error naming it.</summary>
    public static SweepPlan Open(string folder)
    {
        string path = Path.Combine(folder, File);
        if (!System.IO.File.Exists(path))
            throw new InvalidOptionException($"{folder}: not a sweep (no {File}); create one with mnistlab sweep run --experiment NAME --seeds ... --out {folder}.");
        SweepSpec spec;
        IReadOnlyList<SweepPoint>? points;
        try
        {
            var root = JsonNode.Parse(System.IO.File.ReadAllText(path))?.AsObject() ?? throw new JsonException("empty");
            int format = root["format"]?.GetValue<int>() ?? 0;
            if (format != Format) throw new JsonException($"format {format}, this MnistLab reads format {Format}");
            spec = new SweepSpec
            {
                Experiment = root["experiment"]?.GetValue<string>() ?? throw new JsonException("no experiment"),
                Seeds = root["seeds"]?.AsArray().Select(s => s!.GetValue<long>()).ToList() ?? throw new JsonException("no seeds"),
                Axes = root["axes"]?.AsArray().Select(a => new SweepAxis(a!["key"]!.GetValue<string>(),
                    a["values"]!.AsArray().Select(v => v!.GetValue<string>()).ToList())).ToList() ?? [],
                Quick = root["quick"]?.GetValue<bool>() ?? false,
                Data = root["data"]?.GetValue<string>(),
                NoFetch = root["no_fetch"]?.GetValue<bool>() ?? false,
            };
            points = root["points"]?.AsArray().Select(p => new SweepPoint(p!["index"]!.GetValue<int>(), p["seed"]!.GetValue<long>(),
                p["setting"]!.AsObject().Select(kv => (kv.Key, kv.Value!.GetValue<string>())).ToList(), "")).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new DataFormatException($"{path}: not a valid sweep ({e.Message}).");
        }
        if (Registry.Find(spec.Experiment) is null)
            throw new DataFormatException($"{path}: names an experiment this MnistLab does not know ('{spec.Experiment}').");
        return new SweepPlan(folder, spec, points is null ? null : Checked(path, spec, points));
    }

    /// <summary>
    /// The points a sweep.json lists, checked to be its grid's, once each, numbered 0 to n − 1 (a grown sweep numbers
    /// them in the order they were added, which is not the grid's order).
    /// </summary>
    static IReadOnlyList<SweepPoint> Checked(string path, SweepSpec spec, IReadOnlyList<SweepPoint> points)
    {
        var grid = spec.Points();
        bool same = points.Count == grid.Count && points.Select(p => p.Index).Order().SequenceEqual(Enumerable.Range(0, points.Count))
            && grid.All(g => points.Count(p => p.Seed == g.Seed && p.Setting.SequenceEqual(g.Setting)) == 1);
        if (!same) throw new DataFormatException($"{path}: not a valid sweep (its points are not those of its seeds and axes, once each, numbered 0 to {grid.Count - 1}).");
        return points.OrderBy(p => p.Index).Select(p => p with { SettingLabel = spec.LabelOf(p.Setting) }).ToList();
    }

    /// <summary>The grid in a few words: <c>ring --quick, 20 seeds x 2 settings (alpha=0,0.01)</c>.</summary>
    public static string Describe(SweepSpec spec)
    {
        int settings = spec.Settings().Count;
        string axes = spec.Axes.Count == 0 ? "" : $" ({string.Join("; ", spec.Axes.Select(a => $"{a.Key}={string.Join(",", a.Values)}"))})";
        return $"{spec.Experiment}{(spec.Quick ? " --quick" : "")}, {spec.Seeds.Count} seed{(spec.Seeds.Count == 1 ? "" : "s")} x {settings} setting{(settings == 1 ? "" : "s")}{axes}";
    }

    static bool SameGrid(SweepSpec a, SweepSpec b) =>
        a.Experiment == b.Experiment && a.Quick == b.Quick && a.Seeds.SequenceEqual(b.Seeds) && a.Axes.Count == b.Axes.Count
        && a.Axes.Zip(b.Axes).All(p => p.First.Key == p.Second.Key && p.First.Values.SequenceEqual(p.Second.Values));

    JsonObject ToJson(IReadOnlyList<string>? command) => new()
    {
        ["format"] = Format,
        ["experiment"] = Spec.Experiment,
        ["quick"] = Spec.Quick,
        ["seeds"] = new JsonArray(Spec.Seeds.Select(s => (JsonNode)s).ToArray()),
        ["axes"] = new JsonArray(Spec.Axes.Select(a => (JsonNode)new JsonObject
        {
            ["key"] = a.Key,
            ["values"] = new JsonArray(a.Values.Select(v => (JsonNode)v).ToArray()),
        }).ToArray()),
        ["data"] = Spec.Data,
        ["no_fetch"] = Spec.NoFetch,
        // The points are derived from the grid; they are written out for the schedulers and for people reading the folder.
        ["points"] = new JsonArray(Points.Select(p => (JsonNode)new JsonObject
        {
            ["index"] = p.Index,
            ["seed"] = p.Seed,
            ["setting"] = new JsonObject(p.Setting.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))),
            ["folder"] = $"points/{p.Index}",
        }).ToArray()),
        ["mnistlab_version"] = LabVersion.Current,
        ["created"] = DateTimeOffset.UtcNow.ToString("O"),
        ["command"] = command is null ? null : new JsonArray(command.Select(c => (JsonNode)c).ToArray()),
    };
}
