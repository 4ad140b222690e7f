using System.Globalization;
using System.Text;
using MnistLab.Analysis.Causal;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Reports;

/// <summary>The report folder of TCAV: metrics.json (one entry per layer, concept and class), report.md and report.html with the scores and a heatmap per layer.</summary>
public static class TcavReport
{
    public static void Write(TcavResult r, ReportFolder folder, string source)
    {
        var images = new List<string>();
        foreach (var layer in r.Layers)
        {
            var grid = new double[r.Concepts.Count, r.Classes.Count];
            for (int i = 0; i < r.Concepts.Count; i++)
                for (int j = 0; j < r.Classes.Count; j++)
                {
                    var row = r.Rows.First(x => x.Layer == layer && x.Concept == r.Concepts[i] && x.Class == r.Classes[j]);
                    grid[i, j] = row.Score;
                }
            string file = $"tcav_{Safe(layer)}.png";
            ProbePlots.LabelledHeatmap(folder.PathOf(file), $"TCAV scores at {layer} (significance in the table)", r.Concepts,
                [.. r.Classes.Select(k => k.ToString(CultureInfo.InvariantCulture))], grid);
            images.Add(file);
        }
        folder.WriteJson(ReportFolder.Marker, Metrics(r, source));
        folder.WriteReport(MarkdownText(r, source, images));
    }

    /// <summary>metrics.json: <c>{"tcav": [{layer, concept, class, score, magnitude, p_value, ...}]}</c>.</summary>
    public static object Metrics(TcavResult r, string source) => new
    {
        source,
        pool_images = r.PoolImages,
        options = r.Options,
        tcav = r.Rows.Select(x => new
        {
            layer = x.Layer,
            concept = x.Concept,
            @class = x.Class,
            score = x.Score,
            magnitude = x.Magnitude,
            p_value = x.PValue,
            significant = x.Significant,
            random_score = x.RandomScore,
            cav_accuracy = x.CavAccuracy,
            scores = x.Scores,
            random_scores = x.RandomScores,
        }),
    };

    static string MarkdownText(TcavResult r, string source, List<string> images)
    {
        var o = r.Options;
        var sb = new StringBuilder();
        sb.AppendLine("# TCAV: is the answer sensitive to the concept?").AppendLine();
        sb.AppendLine($"Model `{source}`, {r.PoolImages:N0} images. For each concept and run, a logistic regression (L2 {o.Lambda}) separates the point's " +
                      $"activations on {o.Examples} of the concept's examples from those on {o.Examples} random images; its unit normal, towards the " +
                      "concept, is the concept activation vector (CAV). The **score** of a class is the share of its images (up to " +
                      $"{o.ClassImages}) whose logit rises along the CAV (Captum's sign count), averaged over {o.Runs} runs; the **magnitude** is the " +
                      "positive share of the absolute directional derivatives. The **random** score comes from CAVs between two random sets; " +
                      $"p is the two-sided t-test of the runs' scores against the random ones, Bonferroni-corrected over all {r.Rows.Count} tests " +
                      $"(significant below {o.Alpha}). A concept the model ignores scores as the random CAVs do.").AppendLine();
        foreach (var f in images) sb.AppendLine(Image(f, f)).AppendLine();
        sb.AppendLine(Table(["layer", "concept", "class", "score", "magnitude", "random", "p (corrected)", "significant", "CAV accuracy"],
            r.Rows.Select(x => (IReadOnlyList<string>)[x.Layer, x.Concept, x.Class.ToString(CultureInfo.InvariantCulture), Num(x.Score, 3), Num(x.Magnitude, 3),
                Num(x.RandomScore, 3), x.PValue.ToString("0.###e+0", CultureInfo.InvariantCulture), x.Significant ? "yes" : "no", Pct(x.CavAccuracy, 1)])));
        return sb.ToString();
    }

    static string Safe(string name) => new(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_').ToArray());
}
