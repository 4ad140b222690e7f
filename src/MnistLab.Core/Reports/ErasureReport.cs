using System.Globalization;
using System.Text;
using MnistLab.Analysis.Causal;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Reports;

/// <summary>
/// The report folder of a concept erasure: metrics.json (one entry per layer and concept, the shape other tools read),
/// report.md and report.html with the table of each erasure and the heatmaps of "encoded" beside "used", and the
/// erasers themselves (written by the caller into <see cref="ErasersFolder"/> as they are fitted).
/// </summary>
public static class ErasureReport
{
    public const string ErasersFolder = "erasers";

    /// <summary>The file of one eraser: <c>erasers/LAYER__CONCEPT.npz</c>, with M and mean.</summary>
    public static string EraserFile(ReportFolder folder, string layer, string concept) =>
        Path.Combine(folder.Staging, ErasersFolder, $"{Safe(layer)}__{Safe(concept)}.npz");

    public static void Write(ErasureResult r, ReportFolder folder, string source)
    {
        double[,] Grid(Func<ErasureRow, double> value)
        {
            var g = new double[r.Layers.Count, r.Concepts.Count];
            for (int i = 0; i < r.Layers.Count; i++)
                for (int j = 0; j < r.Concepts.Count; j++)
                    g[i, j] = value(r.Get(r.Layers[i], r.Concepts[j]));
            return g;
        }
        ProbePlots.LabelledHeatmap(folder.PathOf("encoded.png"), "Encoded: probe selectivity before erasure", r.Layers, r.Concepts, Grid(x => x.Encoded), diverging: true);
        ProbePlots.LabelledHeatmap(folder.PathOf("used.png"), "Used: accuracy lost beyond erasing a random subspace of the same rank", r.Layers, r.Concepts,
            Grid(x => x.Used), "0.000", diverging: true);
        folder.WriteJson(ReportFolder.Marker, Metrics(r, source));
        folder.WriteReport(MarkdownText(r, source));
    }

    /// <summary>metrics.json: <c>{"erasure": [{layer, concept, method, rank, probe_before, probe_after, acc_before, acc_after, control_acc_after: {mean, low, high}, ...}]}</c>.</summary>
    public static object Metrics(ErasureResult r, string source) => new
    {
        source,
        fit_images = r.FitImages,
        eval_images = r.EvalImages,
        options = r.Options,
        erasure = Entries(r),
    };

    /// <summary>One entry per layer and concept, as metrics.json's "erasure" holds them.</summary>
    public static IEnumerable<object> Entries(ErasureResult r) => r.Rows.Select(x => (object)new
        {
            layer = x.Layer,
            concept = x.Concept,
            method = x.Method,
            rank = x.Rank,
            width = x.Width,
            score = x.ScoreKind,
            probe_before = x.ProbeBefore,
            probe_after = x.ProbeAfter,
            probe_after_interval = x.ProbeAfterLow is { } low ? new[] { low, x.ProbeAfterHigh!.Value } : null,
            constant_score = x.ConstantScore,
            selectivity_before = x.Selectivity,
            acc_before = x.AccBefore,
            acc_after = x.AccAfter,
            control_acc_after = new { mean = x.ControlAccAfter.Mean, low = x.ControlAccAfter.Low, high = x.ControlAccAfter.High },
            used = x.Used,
            class_acc_before = x.ClassAccBefore,
            class_acc_after = x.ClassAccAfter,
            other_concepts = x.OtherConcepts.ToDictionary(o => o.Key, o => new { before = o.Value.Before, after = o.Value.After }),
        });

    static string MarkdownText(ErasureResult r, string source)
    {
        var o = r.Options;
        var sb = new StringBuilder();
        sb.AppendLine("# Encoded and used: concept erasure").AppendLine();
        sb.AppendLine($"Model `{source}`. Each concept is erased from each point by {(o.Method == ErasureOptions.Leace ? "LEACE (Belrose et al. 2023, closed form)" : $"INLP (Ravfogel et al. 2020, up to {o.InlpIterations} nullspace projections of ridge predictors)")}, " +
                      $"fitted on {r.FitImages:N0} training images; everything else is measured on {r.EvalImages:N0} other images. " +
                      "The erased activation of an image is x − M(x − mean), x its activation flattened; each eraser is in `erasers/LAYER__CONCEPT.npz` " +
                      "(numpy arrays `M` and `mean`).").AppendLine();
        sb.AppendLine("- **Probe before / after**: a linear probe of the concept on the point's activations, fitted and scored on a held-out split of " +
                      "the evaluation images (accuracy with its 95% Wilson interval for a discrete concept, R² for a continuous one), beside what a constant " +
                      "predictor scores: after LEACE no linear probe should beat it.");
        sb.AppendLine("- **Accuracy before / after**: the model's accuracy on the evaluation images, then with the erased activation spliced in at the point.");
        sb.AppendLine($"- **Control**: the accuracy with a random subspace of the same rank erased instead ({o.Controls} draws: mean and 2.5–97.5% range). " +
                      "**Used** is the control's accuracy minus the erased accuracy: what the concept's own directions cost beyond any as many directions.");
        sb.AppendLine("- **Encoded** is the probe's selectivity before erasure: its score minus the score of the same probe on the concept shuffled across images.").AppendLine();

        sb.AppendLine(Table(["layer", "concept", "rank", "probe before", "probe after [95%]", "constant", "acc before", "acc after", "control acc after [range]", "used"],
            r.Rows.Select(x => (IReadOnlyList<string>)[x.Layer, x.Concept, $"{x.Rank} of {x.Width}", Cell(x.ProbeBefore),
                x.ProbeAfterLow is { } low ? $"{Cell(x.ProbeAfter)} [{Cell(low)}, {Cell(x.ProbeAfterHigh!.Value)}]" : Cell(x.ProbeAfter),
                Cell(x.ConstantScore), Pct(x.AccBefore), Pct(x.AccAfter),
                $"{Pct(x.ControlAccAfter.Mean)} [{Pct(x.ControlAccAfter.Low)}, {Pct(x.ControlAccAfter.High)}]", Signed(x.Used)])));
        sb.AppendLine(Image("encoded: probe selectivity", "encoded.png")).AppendLine();
        sb.AppendLine(Image("used: accuracy lost beyond the control", "used.png")).AppendLine();

        sb.AppendLine("## What else went").AppendLine();
        sb.AppendLine("The probe's score for every other concept before and after each erasure: a concept that falls with the erased one shared its directions.").AppendLine();
        var others = r.Concepts;
        sb.AppendLine(Table(["layer", "erased", .. others],
            r.Rows.Select(x => (IReadOnlyList<string>)[x.Layer, x.Concept, .. others.Select(c => x.OtherConcepts.TryGetValue(c, out var v) ? $"{Cell(v.Before)} → {Cell(v.After)}" : "—")])));

        sb.AppendLine("## Each class").AppendLine();
        sb.AppendLine("Accuracy on each class's evaluation images before → after the erasure.").AppendLine();
        int classes = r.Rows.Count == 0 ? 0 : r.Rows[0].ClassAccBefore.Length;
        sb.AppendLine(Table(["layer", "erased", .. Enumerable.Range(0, classes).Select(k => k.ToString(CultureInfo.InvariantCulture))],
            r.Rows.Select(x => (IReadOnlyList<string>)[x.Layer, x.Concept, .. Enumerable.Range(0, classes).Select(k => $"{Pct(x.ClassAccBefore[k], 0)} → {Pct(x.ClassAccAfter[k], 0)}")])));
        return sb.ToString();
    }

    static string Cell(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "—";

    static string Signed(double v) => (v * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) + " pp";

    static string Safe(string name) => new(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray());
}
