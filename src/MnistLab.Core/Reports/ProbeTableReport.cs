using System.Globalization;
using System.Text;
using MnistLab.Analysis.Probes;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Reports;

/// <summary>
/// The report folder of a probe table: metrics.json (one entry per layer and concept, the shape other tools read),
/// probe_details.json (everything else), report.md and report.html with the layer x concept tables and heatmaps, and the
/// probe directions as images where the layer is the pixels.
/// </summary>
public static class ProbeTableReport
{
    public const string DetailsFile = "probe_details.json";

    /// <summary>Writes the folder whole or not at all, one writer at a time (<see cref="ReportFolder"/>).</summary>
    public static void Write(ProbeTableResult r, string outDir, string source)
    {
        using var folder = ReportFolder.Open(outDir);
        folder.Publish(f => Write(r, f, source));
    }

    public static void Write(ProbeTableResult r, ReportFolder folder, string source)
    {
        var rows = r.Layers.Select(l => l.Name).ToList();
        double[,] Grid(Func<ProbeResult, double> value)
        {
            var g = new double[rows.Count, r.Concepts.Count];
            for (int i = 0; i < rows.Count; i++)
                for (int j = 0; j < r.Concepts.Count; j++)
                    g[i, j] = value(r.Get(rows[i], r.Concepts[j]));
            return g;
        }
        ProbePlots.LabelledHeatmap(folder.PathOf("score.png"), "Probe score on held-out images (accuracy or R²)", rows, r.Concepts, Grid(p => p.Score));
        ProbePlots.LabelledHeatmap(folder.PathOf("selectivity.png"), "Selectivity: score minus control-task score", rows, r.Concepts, Grid(p => p.Selectivity), diverging: true);
        if (!r.Options.Probe.Fast)
            ProbePlots.LabelledHeatmap(folder.PathOf("mdl_compression.png"), "Online-code compression (uniform code / online code)", rows, r.Concepts,
                Grid(p => p.Mdl?.Compression ?? double.NaN), "0.0");
        ProbePlots.LabelledHeatmap(folder.PathOf("mi.png"), "MI lower bound (nats): probe bound or KSG of the prediction", rows, r.Concepts, Grid(p => p.Mi.Estimate));
        var images = Directions(r, folder);
        folder.WriteJson(ReportFolder.Marker, Metrics(r));
        folder.WriteJson(DetailsFile, Details(r, source));
        folder.WriteReport(MarkdownText(r, source, images));
    }

    /// <summary>metrics.json: exactly one entry per (layer, concept) with the fields other tools read.</summary>
    public static object Metrics(ProbeTableResult r) => new { probes = Entries(r) };

    /// <summary>The entries of metrics.json's "probes": layer, concept, kind, score, control_score, selectivity, mdl_bits, mi.</summary>
    public static IEnumerable<object> Entries(ProbeTableResult r) => r.Probes.Select(p => (object)new
        {
            layer = p.Layer,
            concept = p.Concept,
            kind = p.Kind,
            score = p.Score,
            control_score = p.ControlScore,
            selectivity = p.Selectivity,
            mdl_bits = p.Mdl?.Bits ?? double.NaN,
            mi = new { estimate = p.Mi.Estimate, low = p.Mi.Low, high = p.Mi.High, p_null = p.Mi.PNull },
        });

    static object Details(ProbeTableResult r, string source) => new
    {
        source,
        model = r.Model,
        images = r.Images,
        seconds = r.Seconds,
        units = new { score = "test accuracy (logistic) or test R² (ridge)", mdl_bits = "bits", mi = "nats" },
        options = r.Options,
        seed = r.Seed,
        layers = r.Layers,
        concepts = r.ConceptDescriptions,
        probes = r.Probes.Select(p => new
        {
            layer = p.Layer,
            concept = p.Concept,
            kind = p.Kind,
            features = p.Features,
            train_images = p.TrainImages,
            test_images = p.TestImages,
            lambda = p.Lambda,
            cv_loss = p.CvLoss,
            accuracy = p.Accuracy,
            cross_entropy_nats = p.CrossEntropy,
            concept_entropy_nats = double.IsNaN(p.ConceptEntropy) ? (double?)null : p.ConceptEntropy,
            r2 = p.R2,
            sup_error = p.SupError,
            p99_abs_residual = p.P99,
            mdl = p.Mdl is null ? null : new { bits = p.Mdl.Bits, uniform_bits = p.Mdl.UniformBits, compression = p.Mdl.Compression, block_ends = p.Mdl.BlockEnds, coded = p.Mdl.Coded },
            mi = p.Mi,
        }),
    };

    /// <summary>Probe weights as images for layers that are the pixels (the baseline, or a model's 784-pixel input point).</summary>
    static List<(string Layer, string Concept, string File)> Directions(ProbeTableResult r, ReportFolder folder)
    {
        var written = new List<(string, string, string)>();
        foreach (var layer in r.Layers.Where(l => l.Role == "pixels" || (l.Point == "input" && l.Features is 784 or 785)))
            foreach (var concept in r.Concepts)
            {
                var p = r.Get(layer.Name, concept);
                var (maps, titles) = p.Kind == LinearProbe.Ridge || p.Directions.Length == 1
                    ? ([Pixels(p.Directions[0])], [$"{concept}: weight per pixel sd"])
                    : p.Directions.Length == 2
                        ? ([Pixels(p.Directions[1].Zip(p.Directions[0], (a, b) => a - b).ToArray())], [$"{concept}={p.Classes[1]} vs {p.Classes[0]}"])
                        : (p.Directions.Select(Pixels).ToList(), p.Classes.Select(c => $"{concept}={c}").ToList());
                string file = $"directions_{Safe(layer.Name)}_{Safe(concept)}.png";
                int cols = Math.Min(5, maps.Count);
                if (maps.Count == 1) Plots.Heatmap(folder.PathOf(file), $"{layer.Name}: {titles[0]}", maps[0].Select(v => (double)v).ToArray(), 28, 28, diverging: true);
                else Plots.DivergingGrid(folder.PathOf(file), maps, titles, (maps.Count + cols - 1) / cols, cols);
                written.Add((layer.Name, concept, file));
            }
        return written;
    }

    static float[] Pixels(double[] weights) => weights.Take(784).Select(w => (float)w).ToArray();

    static string Safe(string name) => new(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_').ToArray());

    static string Cell(double v, int decimals = 3) => double.IsFinite(v) ? v.ToString("F" + decimals, CultureInfo.InvariantCulture) : "-";

    public static string MiCell(Analysis.Information.MiResult mi) =>
        $"{Cell(mi.Estimate)} [{Cell(mi.Low)}, {Cell(mi.High)}]" + (double.IsNaN(mi.PNull) ? "" : $" p={mi.PNull.ToString("0.###", CultureInfo.InvariantCulture)}");

    /// <summary>One table of every probe (a row per layer and concept), for a section of another report.</summary>
    public static string CompactTable(ProbeTableResult r) => Markdown.Table(["layer", "concept", "score (control)", "selectivity", "MDL bits (compression)", "MI nats [95%] p"],
        r.Concepts.SelectMany(c => r.Layers.Select(l => r.Get(l.Name, c))).Select(p => (IReadOnlyList<string>)[p.Layer, p.Concept,
            $"{Cell(p.Score)} ({Cell(p.ControlScore)})", Cell(p.Selectivity), p.Mdl is null ? "-" : $"{p.Mdl.Bits:F0} (x{p.Mdl.Compression:F1})", MiCell(p.Mi)]));

    static string MarkdownText(ProbeTableResult r, string source, List<(string Layer, string Concept, string File)> images)
    {
        var o = r.Options.Probe;
        var p0 = r.Probes[0];
        var sb = new StringBuilder();
        sb.AppendLine("# What each layer knows").AppendLine();
        sb.AppendLine($"Model {r.Model} from `{source}`; {r.Images:N0} images, {p0.TrainImages:N0} to fit each probe and {p0.TestImages:N0} held out " +
                      $"to measure it (split seeded by {r.Seed}). Discrete concepts: multinomial logistic probe (score = held-out accuracy); continuous " +
                      $"ones: ridge (score = held-out R², with seed 004's sup error in {DetailsFile}). Inputs standardised on the training images; lambda " +
                      $"by {o.Folds}-fold cross-validation. Probed in {r.Seconds:F0} s.").AppendLine();
        sb.AppendLine("Concepts: " + string.Join("; ", r.ConceptDescriptions) + ".").AppendLine();
        sb.AppendLine("Layers: " + string.Join("; ", r.Layers.Select(l => $"{l.Name} ({l.Role}, {l.Reduction})")) + ". `pixels` and `random:` rows are the " +
                      "baselines: the same probe on the raw pixels and on the same points of a randomly initialised copy of the model.").AppendLine();

        string Table(Func<ProbeResult, string> cell) => Markdown.Table(["layer", .. r.Concepts],
            r.Layers.Select(l => (IReadOnlyList<string>)[l.Name, .. r.Concepts.Select(c => cell(r.Get(l.Name, c)))]));

        sb.AppendLine("## Score (control task in parentheses)").AppendLine();
        sb.AppendLine("The control task is the same probe trained on the concept shuffled across images (Hewitt and Liang 2019): what a probe " +
                      "of this capacity reaches on a concept the layer cannot know.").AppendLine();
        sb.AppendLine(Table(p => $"{Cell(p.Score)} ({Cell(p.ControlScore)})"));
        sb.AppendLine(Image("score", "score.png")).AppendLine();
        sb.AppendLine("## Selectivity (score minus control score)").AppendLine();
        sb.AppendLine(Table(p => Cell(p.Selectivity)));
        sb.AppendLine(Image("selectivity", "selectivity.png")).AppendLine();
        sb.AppendLine("## Minimum description length (online code, bits; compression against the uniform code)").AppendLine();
        if (o.Fast) sb.AppendLine("Not computed: this table holds point estimates only (`--fast`).").AppendLine();
        else
        {
            sb.AppendLine("Voita and Titov (2020): the training images' labels sent block by block, each block coded by a probe trained on the " +
                          "blocks before it; a continuous concept is sent as its equal-mass bin (" + o.MdlBins + " bins), coded by the ridge probe with " +
                          "Gaussian noise. Compression 1 means the layer helps no more than knowing nothing.").AppendLine();
            sb.AppendLine(Table(p => p.Mdl is null ? "-" : $"{p.Mdl.Bits:F0} (x{p.Mdl.Compression:F1})"));
            sb.AppendLine(Image("MDL compression", "mdl_compression.png")).AppendLine();
        }
        sb.AppendLine("## Mutual information (nats, 95% bootstrap interval, shuffle-null p-value)").AppendLine();
        sb.AppendLine("Discrete concepts: the probe bound H(Y) minus the held-out cross-entropy; continuous ones: the KSG estimate between the " +
                      "probe's held-out prediction and the concept. Both are lower bounds on I(layer; concept) up to sampling error. " + (o.Fast
                          ? "Point estimates only (`--fast`): no interval and no null."
                          : $"Intervals resample the {p0.TestImages:N0} held-out images' predictions ({o.Bootstrap} resamples; the probe is fitted once, not " +
                            $"refitted per resample, so they show the sampling error of the test images, not of the fit); the null shuffles the concept " +
                            $"against the predictions ({o.Null} shuffles).")).AppendLine();
        sb.AppendLine(Table(p => MiCell(p.Mi)));
        sb.AppendLine(Image("mutual information", "mi.png")).AppendLine();

        sb.AppendLine("## Per concept").AppendLine();
        foreach (var c in r.Concepts)
        {
            var trained = r.Layers.Where(l => l.Role == "trained").Select(l => r.Get(l.Name, c)).ToList();
            if (trained.Count == 0) continue;
            var best = trained.MaxBy(p => p.Selectivity)!;
            string line = $"- {c}: the most selective layer is {best.Layer} (score {Cell(best.Score)}, selectivity {Cell(best.Selectivity)}, MI {MiCell(best.Mi)})";
            if (r.Layers.Any(l => l.Role == "pixels")) { var px = r.Get(ProbeTable.Pixels, c); line += $"; on the pixels {Cell(px.Score)} (selectivity {Cell(px.Selectivity)})"; }
            if (r.Layers.Any(l => l.Name == ProbeTable.RandomPrefix + best.Layer)) { var rnd = r.Get(ProbeTable.RandomPrefix + best.Layer, c); line += $"; on the random copy {Cell(rnd.Score)} (selectivity {Cell(rnd.Selectivity)})"; }
            sb.AppendLine(line + ".");
        }
        sb.AppendLine();
        if (images.Count > 0)
        {
            sb.AppendLine("## Probe directions on the pixels").AppendLine();
            sb.AppendLine("Each probe's weight on each pixel, per standard deviation of that pixel (red pushes towards the class or value, blue away).").AppendLine();
            foreach (var (layer, concept, file) in images) sb.AppendLine($"{layer}, {concept}:").AppendLine().AppendLine(Image($"{layer} {concept}", file)).AppendLine();
        }
        return sb.ToString();
    }
}
