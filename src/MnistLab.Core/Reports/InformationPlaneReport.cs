using System.Text;
using MnistLab.Analysis.Information;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Reports;

/// <summary>The information-plane part of a report: two planes (I(T; Y) binned and by the probe bound), a table, and metrics.</summary>
public static class InformationPlaneReport
{
    /// <summary>Draws the planes as <paramref name="prefix"/>_binned.png and _probe.png and returns the markdown section.</summary>
    public static string Section(IReadOnlyList<PlanePoint> points, PlaneOptions options, double seconds, ReportFolder folder, string prefix, string heading)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"## {heading}").AppendLine();
        if (points.Count == 0)
        {
            sb.AppendLine("No epoch was observed (the trainings were loaded from finished checkpoints).").AppendLine();
            return sb.ToString();
        }
        var groups = points.GroupBy(p => (p.Training, p.Layer)).ToList();
        List<ProbePlots.PlaneSeries> Series(Func<PlanePoint, MiResult> y) => groups.Select(g => new ProbePlots.PlaneSeries(
            $"{g.Key.Training}: {g.Key.Layer}",
            g.Select(p => p.TX.Estimate).ToArray(), g.Select(p => y(p).Estimate).ToArray(),
            g.Select(p => p.TX.Low).ToArray(), g.Select(p => p.TX.High).ToArray(),
            g.Select(p => y(p).Low).ToArray(), g.Select(p => y(p).High).ToArray(), g.Select(p => p.Epoch).ToArray())).ToList();
        ProbePlots.InformationPlane(folder.PathOf($"{prefix}_binned.png"), "Information plane, I(T; Y) binned", "I(T; X) = H(binned T), nats", "I(T; Y) binned, nats", Series(p => p.TYBinned));
        ProbePlots.InformationPlane(folder.PathOf($"{prefix}_probe.png"), "Information plane, I(T; Y) by the probe bound", "I(T; X) = H(binned T), nats", "I(T; Y) probe bound, nats", Series(p => p.TYProbe));
        int n = points[0].TX.Samples;
        sb.AppendLine($"Each layer T on the first {n:N0} test images at the end of every epoch (0 = before training), binned into {options.Binning} " +
                      $"per unit. I(T; X) is H(binned T) (the network is deterministic, so the binned layer is a function of the image); it cannot exceed " +
                      $"log {n:N0} = {Math.Log(n):F2} nats, which a wide layer reaches as soon as every image has its own bin pattern. I(T; Y) is given by the " +
                      "same binned estimate, which then saturates at H(Y) as well, and by the probe bound (H(Y) minus the held-out cross-entropy of a logistic " +
                      $"probe on half of the images), which does not. Intervals: 95% basic bootstrap, {options.Bootstrap} resamples; epochs are labelled at the points. " +
                      $"Measured in {seconds:F0} s.").AppendLine();
        sb.AppendLine(Image("information plane, probe bound", $"{prefix}_probe.png")).AppendLine();
        sb.AppendLine(Image("information plane, binned", $"{prefix}_binned.png")).AppendLine();
        static string C(MiResult m) => $"{m.Estimate:F3} [{m.Low:F3}, {m.High:F3}]";
        int saturated = points.Count(p => p.Saturated);
        if (saturated > 0)
            sb.AppendLine($"{saturated} of {points.Count} measurements are saturated (more than half of the images alone in their bin pattern): there " +
                          "I(T; X) is only a lower bound, shown as ≥, without an interval.").AppendLine();
        sb.AppendLine(Table(["training", "layer", "epoch", "I(T; X)", "I(T; Y) binned", "I(T; Y) probe bound"],
            points.Select(p => (IReadOnlyList<string>)[p.Training, p.Layer, p.Epoch.ToString(), p.Saturated ? $"≥ {p.TX.Estimate:F3}" : C(p.TX), C(p.TYBinned), C(p.TYProbe)])));
        return sb.ToString();
    }

    public static object Metrics(IReadOnlyList<PlanePoint> points) => points.Select(p => new
    {
        training = p.Training,
        layer = p.Layer,
        epoch = p.Epoch,
        saturated = p.Saturated,
        i_tx = Interval(p.TX),
        i_ty_binned = Interval(p.TYBinned),
        i_ty_probe = Interval(p.TYProbe),
    });

    static object Interval(MiResult m) => new { estimate = m.Estimate, low = m.Low, high = m.High };
}
