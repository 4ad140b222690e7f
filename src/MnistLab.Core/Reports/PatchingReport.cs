using System.Globalization;
using System.Text;
using MnistLab.Analysis.Causal;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Reports;

/// <summary>The report folder of activation patching: metrics.json, report.md and report.html with the share each point (and unit) restores, measured and estimated.</summary>
public static class PatchingReport
{
    public static void Write(PatchingResult r, string pairs, ReportFolder folder, string source)
    {
        Plots.GroupedBars(folder.PathOf("points.png"), "Share of the clean answer restored, point by point", "share restored",
            [.. r.Points.Select(p => p.Name)], [("patched", [.. r.Points.Select(p => p.Restored)]), ("attribution patching", [.. r.Points.Select(p => p.Estimated)])]);
        if (r.Units.Count > 1)
            Plots.Scatter(folder.PathOf("units.png"), $"{r.Point}: each unit patched alone (r = {Num(r.Correlation, 3)})", "attribution patching's estimate",
                "measured share restored", [.. r.Units.Select(u => u.Estimated)], [.. r.Units.Select(u => u.Restored)]);
        folder.WriteJson(ReportFolder.Marker, Metrics(r, pairs, source));
        folder.WriteReport(MarkdownText(r, pairs, source));
    }

    public static object Metrics(PatchingResult r, string pairs, string source) => new
    {
        source,
        pairs_from = pairs,
        patching = new
        {
            pairs = r.Pairs,
            metric = r.Metric,
            clean_metric = r.CleanMetric,
            corrupt_metric = r.CorruptMetric,
            points = r.Points.Select(p => new { point = p.Name, restored = p.Restored, estimated = p.Estimated }),
            point = r.Point,
            units = r.Units.Select(u => new { unit = u.Name, restored = u.Restored, estimated = u.Estimated }),
            correlation = double.IsFinite(r.Correlation) ? r.Correlation : (double?)null,
            seconds = new { patching = r.PatchSeconds, attribution_patching = r.AttributionSeconds },
        },
    };

    static string MarkdownText(PatchingResult r, string pairs, string source)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Activation patching").AppendLine();
        sb.AppendLine($"Model `{source}`; {pairs}. The answer is m = {r.Metric}; summed over the pairs it is {Num(r.CleanMetric, 2)} on the clean " +
                      $"images and {Num(r.CorruptMetric, 2)} on the corrupted ones. Each patch runs the corrupted images with one activation taken from " +
                      "the clean run; the share restored is (m_patched − m_corrupted) / (m_clean − m_corrupted), 1 when the patch brings the clean answer " +
                      "back. Attribution patching estimates each share from one backward pass of the corrupted run, Σ (a_clean − a_corrupted) · ∂m/∂a " +
                      $"(patching took {Num(r.PatchSeconds, 2)} s, attribution patching {Num(r.AttributionSeconds, 2)} s).").AppendLine();
        sb.AppendLine(Image("share restored per point", "points.png")).AppendLine();
        sb.AppendLine(Table(["point", "share restored", "attribution patching"], r.Points.Select(p => (IReadOnlyList<string>)[p.Name, Num(p.Restored, 3), Num(p.Estimated, 3)])));
        if (r.Point is not null)
        {
            sb.AppendLine($"## The units of {r.Point}").AppendLine();
            sb.AppendLine($"Each unit (or channel) patched alone; Pearson's r between measured and estimated shares: {Num(r.Correlation, 3)}. The 20 that restore most:").AppendLine();
            if (r.Units.Count > 1) sb.AppendLine(Image("units: estimate against measurement", "units.png")).AppendLine();
            sb.AppendLine(Table(["unit", "share restored", "attribution patching"],
                r.Units.OrderByDescending(u => u.Restored).Take(20).Select(u => (IReadOnlyList<string>)[u.Name, Num(u.Restored, 4), Num(u.Estimated, 4)])));
        }
        return sb.ToString();
    }
}
