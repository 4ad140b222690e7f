using ScottPlot;

namespace MnistLab.Reports;

/// <summary>One category of an <see cref="IntervalPlot"/>: its label, the values it summarises, their mean and interval.</summary>
public sealed record IntervalGroup(string Label, IReadOnlyList<double> Values, double Mean, double Low, double High);

/// <summary>
/// Means with error bars: per category the individual values as faint dots, the mean as a marker and its interval as a
/// bar with caps; a line at 0 where differences are shown.
/// </summary>
public static class IntervalPlot
{
    static IntervalPlot()
    {
        Fonts.Default = "DejaVu Sans"; // as in Plots: ScottPlot's default resolves to a serif face on Debian
    }

    public static void Write(string path, string title, string yLabel, IReadOnlyList<IntervalGroup> groups, bool zeroLine = false)
    {
        using var plot = new Plot();
        var dots = Colors.Gray.WithAlpha(0.55);
        var main = Colors.C0;
        for (int g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            if (group.Values.Count > 0)
            {
                // The dots in a band left of the interval, spread in a fixed order (the same data draw the same figure).
                double[] xs = group.Values.Select((_, i) => g - 0.35 + 0.2 * (i + 0.5) / group.Values.Count).ToArray();
                var seeds = plot.Add.ScatterPoints(xs, group.Values.ToArray());
                seeds.Color = dots;
                seeds.MarkerSize = 5;
            }
            if (double.IsNaN(group.Mean)) continue;
            if (!double.IsNaN(group.Low) && !double.IsNaN(group.High))
            {
                foreach (var (x1, y1, x2, y2) in new[] { (g, group.Low, g, group.High), (g - 0.08, group.Low, g + 0.08, group.Low), (g - 0.08, group.High, g + 0.08, group.High) })
                {
                    var bar = plot.Add.Line(x1, y1, x2, y2);
                    bar.LineColor = main;
                    bar.LineWidth = 2;
                }
            }
            var mean = plot.Add.ScatterPoints(new[] { (double)g }, new[] { group.Mean });
            mean.Color = main;
            mean.MarkerSize = 11;
            mean.MarkerShape = MarkerShape.FilledDiamond;
        }
        if (zeroLine)
        {
            var zero = plot.Add.HorizontalLine(0);
            zero.LineColor = Colors.Black.WithAlpha(0.5);
            zero.LinePattern = LinePattern.Dashed;
        }
        // Labels such as "alpha=0.01, train.epochs=2" go one option per line under their category.
        string[] labels = groups.Select(g => g.Label.Replace(", ", "\n")).ToArray();
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, groups.Count).Select(i => (double)i).ToArray(), labels);
        plot.Axes.Bottom.MinimumSize = 30 + 16 * labels.Max(l => l.Split('\n').Length);
        plot.Axes.SetLimitsX(-0.6, groups.Count - 0.4);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.SavePng(path, Math.Max(480, 170 * groups.Count + 160), 440);
    }
}
