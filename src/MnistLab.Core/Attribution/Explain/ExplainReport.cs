using System.Text;
using MnistLab.Attribution.Checks;
using MnistLab.Common;
using MnistLab.Export;
using MnistLab.Reports;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Attribution.Explain;

/// <summary>
/// The report folder of <c>mnistlab explain</c>: attributions/&lt;method&gt;.npy (float32 (N, 1, 28, 28), the images in the
/// order chosen), metrics.json, report.md and report.html with the maps over the digits, the per-class mean maps and the curves.
/// </summary>
public static class ExplainReport
{
    public const string AttributionsFolder = "attributions";

    /// <summary>Writes <paramref name="outDir"/> whole or not at all, one writer at a time (<see cref="ReportFolder"/>).</summary>
    public static void Write(ExplainResult r, string outDir, IReadOnlyList<string>? command = null)
    {
        using var folder = ReportFolder.Open(outDir);
        folder.Publish(f => Write(r, f, command));
    }

    /// <summary>Writes the report's files into an open <paramref name="folder"/> (the caller commits it).</summary>
    public static void Write(ExplainResult r, ReportFolder folder, IReadOnlyList<string>? command = null)
    {
        int n = r.Indices.Length;
        foreach (var m in r.Methods)
        {
            using var npy = new NpyWriter(Path.Combine(folder.Staging, AttributionsFolder, $"{m.Name}.npy"), [n, 1, 28, 28]);
            foreach (var map in m.ImageMaps) npy.Append(map);
            npy.Complete();

            int shown = Math.Min(16, n), cols = Math.Min(4, shown);
            AttributionFigure.Write(folder.PathOf($"maps_{m.Name}.png"), r.Images[..shown], m.ImageMaps[..shown],
                Enumerable.Range(0, shown).Select(i => $"#{r.Indices[i]} y={r.Labels[i]} p={r.Predictions[i]}").ToList(), cols, r.Options.Display);
            var classes = Enumerable.Range(0, 10).Where(c => r.Labels.Contains(c)).ToList();
            AttributionFigure.Write(folder.PathOf($"class_means_{m.Name}.png"), classes.Select(c => Mean(r.Images, r.Labels, c)).ToList(),
                classes.Select(c => Mean(m.ImageMaps, r.Labels, c)).ToList(), classes.Select(c => $"digit {c} (n={r.Labels.Count(l => l == c)})").ToList(), Math.Min(5, classes.Count), r.Options.Display);
            if (m.Checks?.Curves is { } curves)
            {
                Plots.Curves(folder.PathOf($"deletion_{m.Name}.png"), $"{m.Name}: deletion (pixels set to black)", "fraction of pixels deleted", "p(target)", curves.DeletionMostFirst.Fractions,
                    [("most relevant first", curves.DeletionMostFirst.Probability), ("least relevant first", curves.DeletionLeastFirst.Probability), ("random order", curves.DeletionRandom.Probability)]);
                Plots.Curves(folder.PathOf($"insertion_{m.Name}.png"), $"{m.Name}: insertion (pixels put on black)", "fraction of pixels inserted", "p(target)", curves.InsertionMostFirst.Fractions,
                    [("most relevant first", curves.InsertionMostFirst.Probability), ("least relevant first", curves.InsertionLeastFirst.Probability), ("random order", curves.InsertionRandom.Probability)]);
            }
            if (m.Checks is { } checks)
                Plots.Curves(folder.PathOf($"randomisation_{m.Name}.png"), $"{m.Name}: maps of the trained vs the cascading randomised model", "layers randomised from the top",
                    "mean similarity", Enumerable.Range(1, checks.Randomisation.Cascade.Count).Select(i => (double)i).ToList(),
                    [("Spearman", checks.Randomisation.Cascade.Select(c => c.Spearman).ToList()), ("Spearman of |map|", checks.Randomisation.Cascade.Select(c => c.SpearmanAbs).ToList()),
                     ("SSIM", checks.Randomisation.Cascade.Select(c => c.Ssim).ToList())]);
        }
        foreach (var l in r.LayerMethods) WriteLayer(l, r.Options.Display, folder);
        folder.WriteJson(ReportFolder.Marker, Metrics(r, command));
        folder.WriteReport(Markdown(r));
    }

    public const string LayerAttributionsFolder = "layer_attributions";

    /// <summary>
    /// A layer method's attributions: the .npy in the point's shape, the mean attribution of each unit (dense) or channel
    /// (conv, summed over positions) over the images as bars, and for a conv point the first image's map of every channel.
    /// </summary>
    static void WriteLayer(ExplainedLayer l, MapDisplay display, ReportFolder folder)
    {
        var shape = l.Result.Shape;
        using (var npy = new NpyWriter(Path.Combine(folder.Staging, LayerAttributionsFolder, $"{l.Name}.npy"), shape))
        {
            npy.Append(l.Result.Values);
            npy.Complete();
        }
        var perUnit = UnitMeans(l.Result);
        bool conv = shape.Length == 4;
        Plots.Bars(folder.PathOf($"layer_{l.Name}.png"), $"{l.Name}, mean over the images", $"{(conv ? "channel" : "unit")} of {l.Point}",
            conv ? "attribution (summed over positions)" : "attribution", perUnit.Select((_, i) => $"{i}").ToList(), perUnit);
        if (conv && shape[2] == shape[3])
        {
            var first = l.Result.Map(0);
            long size = shape[2] * shape[3];
            var channels = Enumerable.Range(0, (int)shape[1]).Select(c => first.AsSpan((int)(c * size), (int)size).ToArray()).ToList();
            AttributionFigure.Write(folder.PathOf($"layer_{l.Name}_channels.png"), channels.Select(c => new float[c.Length]).ToList(), channels,
                channels.Select((_, c) => $"channel {c}").ToList(), Math.Min(8, channels.Count), display with { Show = MapShow.Heat });
        }
    }

    /// <summary>Each unit's (or channel's, summed over its positions) attribution, averaged over the images.</summary>
    static double[] UnitMeans(AttributionResult r)
    {
        int units = (int)r.Shape[1];
        long per = r.ExampleSize / units;
        var means = new double[units];
        for (int i = 0; i < r.Count; i++)
        {
            var map = r.Map(i);
            for (int u = 0; u < units; u++)
                for (long p = 0; p < per; p++) means[u] += map[u * per + p] / (double)r.Count;
        }
        return means;
    }

    static string Scale(MapDisplay d) =>
        (d.Scale == MapScale.Figure ? "one colour scale per figure" : "each image's own colour scale (its end beside the title)")
        + (d.Clip < 100 ? $", ending at the {d.Clip:G3}th percentile of |value| (larger values drawn at full colour)" : ", ending at the largest |value|");

    static float[] Mean(float[][] rows, long[] labels, int c)
    {
        var chosen = rows.Where((_, i) => labels[i] == c).ToList();
        return Enumerable.Range(0, rows[0].Length).Select(p => chosen.Average(row => row[p])).ToArray();
    }

    /// <summary>
    /// metrics.json: the model, the images, each method's figures and checks, then the options record as the run used it
    /// and the run record (version, machine, threads, data and its hashes, seed, command).
    /// </summary>
    public static object Metrics(ExplainResult r, IReadOnlyList<string>? command) => new
    {
        model = r.Model,
        layers = r.Layers,
        images = new { selection = r.Options.Images.ToString(), target = r.Options.Target, indices = r.Indices, labels = r.Labels, predictions = r.Predictions, targets = r.Targets },
        methods = r.Methods.ToDictionary(m => m.Name, m => new
        {
            seconds = m.Result.Seconds,
            file = $"{AttributionsFolder}/{m.Name}.npy",
            completeness_error = m.Result.CompletenessError is { } e ? new { mean_abs = e.Average(Math.Abs), max_abs = e.Max(Math.Abs), per_image = e } : null,
            linear_pieces = m.Result.Pieces is { } p ? new { mean = p.Average(), max = p.Max() } : null,
            extra_inputs = m.ExtraMaps is { } x ? new { mean_attribution = Enumerable.Range(0, x[0].Length).Select(j => x.Average(row => (double)row[j])).ToArray() } : null,
            checks = m.Checks is { } c ? Checks(c) : null,
        }),
        layer = r.LayerMethods.Count == 0 ? null : new
        {
            point = r.Options.Layer,
            methods = r.LayerMethods.ToDictionary(l => l.Name, l => new
            {
                seconds = l.Result.Seconds,
                file = $"{LayerAttributionsFolder}/{l.Name}.npy",
                shape = l.Result.Shape,
                completeness_error = l.Result.CompletenessError is { } e ? new { mean_abs = e.Average(Math.Abs), max_abs = e.Max(Math.Abs) } : null,
                unit_means = UnitMeans(l.Result),
            }),
        },
        options = r.Options,
        run = Runs.RunInfo.Capture(r.Data) with { Seed = r.Options.Seed, Command = command },
    };

    static object Checks(AttributionChecksResult c) => new
    {
        seconds = c.Seconds,
        curves = c.Curves is { } k ? new
        {
            fractions = k.DeletionMostFirst.Fractions,
            deletion_most_first = new { area = k.DeletionMostFirst.Area, curve = k.DeletionMostFirst.Probability },
            deletion_least_first = new { area = k.DeletionLeastFirst.Area, curve = k.DeletionLeastFirst.Probability },
            deletion_random = new { area = k.DeletionRandom.Area, curve = k.DeletionRandom.Probability },
            insertion_most_first = new { area = k.InsertionMostFirst.Area, curve = k.InsertionMostFirst.Probability },
            insertion_least_first = new { area = k.InsertionLeastFirst.Area, curve = k.InsertionLeastFirst.Probability },
            insertion_random = new { area = k.InsertionRandom.Area, curve = k.InsertionRandom.Probability },
        } : null,
        randomisation = new
        {
            images = c.Randomisation.Images,
            cascade = c.Randomisation.Cascade.Select(s => new { layer = s.Step, spearman = s.Spearman, spearman_abs = s.SpearmanAbs, ssim = s.Ssim }),
            random_logit = new { spearman = c.Randomisation.RandomLogit.Spearman, spearman_abs = c.Randomisation.RandomLogit.SpearmanAbs, ssim = c.Randomisation.RandomLogit.Ssim },
        },
        infidelity_mean = c.MeanInfidelity,
        max_sensitivity_mean = c.MeanMaxSensitivity,
        completeness = c.Completeness,
    };

    static string Markdown(ExplainResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Where does the model look?").AppendLine();
        sb.AppendLine($"Model: {r.Model}. Layers: {r.Layers}.").AppendLine();
        sb.AppendLine($"Images: {r.Options.Images} ({r.Indices.Length} images); target: {r.Options.Target}; seed {r.Options.Seed}. Attributions are of the " +
                      "target's pre-softmax output with respect to the [0, 1] image, in Captum's conventions; each map is in " +
                      $"`{AttributionsFolder}/<method>.npy` (float32, (N, 1, 28, 28), images in the order chosen). In the pictures red is positive, " +
                      $"blue negative, on {Scale(r.Options.Display)} centred at zero{(r.Options.Display.Show == MapShow.Heat ? ", the maps alone" : ", over the digits in grey")}.").AppendLine();
        sb.AppendLine(Table(["method", "seconds", "completeness |error| mean / max", "deletion area (most first / random)", "insertion area (most first / random)",
                "infidelity", "max-sensitivity", "Spearman after full randomisation", "random-logit Spearman"],
            r.Methods.Select(m =>
            {
                var c = m.Checks;
                string Area(Curve a, Curve b) => $"{Num(a.Area, 3)} / {Num(b.Area, 3)}";
                return (IReadOnlyList<string>)[m.Name, Num(m.Result.Seconds, 2),
                    m.Result.CompletenessError is { } e ? $"{e.Average(Math.Abs):G3} / {e.Max(Math.Abs):G3}" : "-",
                    c?.Curves is { } k ? Area(k.DeletionMostFirst, k.DeletionRandom) : "-",
                    c?.Curves is { } k2 ? Area(k2.InsertionMostFirst, k2.InsertionRandom) : "-",
                    c is null ? "-" : $"{c.MeanInfidelity:G3}", c is null ? "-" : Num(c.MeanMaxSensitivity, 3),
                    c is null ? "-" : Num(c.Randomisation.Cascade[^1].Spearman, 3), c is null ? "-" : Num(c.Randomisation.RandomLogit.Spearman, 3)];
            })));
        if (r.Methods.Any(m => m.Checks is not null))
            sb.AppendLine("A faithful map makes the deletion curve fall faster and the insertion curve rise faster than the random order (smaller deletion area, " +
                          "larger insertion area); after the model's parameters are randomised its maps should no longer correlate with the trained model's " +
                          "(Adebayo et al. 2018), and the map of another class should differ from the target's. Infidelity and max-sensitivity as Captum computes them " +
                          $"(Gaussian perturbations σ = {r.Options.CheckOptions.InfidelityStdev}; L∞ ball of {r.Options.CheckOptions.SensitivityRadius}); randomisation and " +
                          $"max-sensitivity on the first {r.Options.CheckOptions.Images} images.").AppendLine();
        foreach (var m in r.Methods)
        {
            sb.AppendLine($"## {m.Name}").AppendLine();
            sb.AppendLine(AttributionMethods.Get(m.Name).Description + ".").AppendLine();
            if (m.ExtraMaps is { } extra)
                sb.AppendLine($"Inputs after the 784 pixels (the ring bit): mean attribution {string.Join(", ", Enumerable.Range(0, extra[0].Length).Select(j => $"{extra.Average(row => (double)row[j]):G4}"))}.").AppendLine();
            sb.AppendLine(Image($"{m.Name} maps", $"maps_{m.Name}.png")).AppendLine();
            sb.AppendLine("Mean map of each digit over the chosen images:").AppendLine();
            sb.AppendLine(Image($"{m.Name} per-class means", $"class_means_{m.Name}.png")).AppendLine();
            if (m.Checks?.Curves is not null)
            {
                sb.AppendLine(Image($"{m.Name} deletion", $"deletion_{m.Name}.png")).AppendLine();
                sb.AppendLine(Image($"{m.Name} insertion", $"insertion_{m.Name}.png")).AppendLine();
            }
            if (m.Checks is { } c)
            {
                sb.AppendLine(Image($"{m.Name} randomisation", $"randomisation_{m.Name}.png")).AppendLine();
                sb.AppendLine(Table(["layers randomised (from the top)", "Spearman", "Spearman of |map|", "SSIM"],
                    c.Randomisation.Cascade.Select((s, i) => (IReadOnlyList<string>)[$"{i + 1}: {s.Step}", Num(s.Spearman, 3), Num(s.SpearmanAbs, 3), Num(s.Ssim, 3)])
                        .Append([$"random logit", Num(c.Randomisation.RandomLogit.Spearman, 3), Num(c.Randomisation.RandomLogit.SpearmanAbs, 3), Num(c.Randomisation.RandomLogit.Ssim, 3)])));
            }
        }
        if (r.LayerMethods.Count > 0)
        {
            sb.AppendLine($"## Units and channels of {r.Options.Layer}").AppendLine();
            sb.AppendLine($"The target's score attributed to the units (or channels) of the point {r.Options.Layer} instead of the pixels, each layer method's " +
                          $"attributions in `{LayerAttributionsFolder}/<method>.npy` (float32, the point's shape per image). Layer IG and conductance are complete: " +
                          "their attributions sum to f(x) − f(baseline).").AppendLine();
            sb.AppendLine(Table(["method", "seconds", "completeness |error| mean / max", "shape"], r.LayerMethods.Select(l => (IReadOnlyList<string>)[l.Name, Num(l.Result.Seconds, 2),
                l.Result.CompletenessError is { } e ? $"{e.Average(Math.Abs):G3} / {e.Max(Math.Abs):G3}" : "-", $"({string.Join(", ", l.Result.Shape)})"])));
            foreach (var l in r.LayerMethods)
            {
                sb.AppendLine($"### {l.Name}").AppendLine();
                sb.AppendLine(Image($"{l.Name} per unit", $"layer_{l.Name}.png")).AppendLine();
                if (l.Result.Shape.Length == 4 && l.Result.Shape[2] == l.Result.Shape[3])
                    sb.AppendLine($"Every channel's map for image #{r.Indices[0]}:").AppendLine().AppendLine(Image($"{l.Name} channels", $"layer_{l.Name}_channels.png")).AppendLine();
            }
        }
        return sb.ToString();
    }
}
