using ScottPlot;

namespace MnistLab.Reports;

/// <summary>One setting on a <see cref="TradeOffPlot"/>: its label, each seed's pair of figures, and both means with their intervals.</summary>
public sealed record TradeOffPoint(string Label, IReadOnlyList<(double X, double Y)> Seeds, IntervalGroup X, IntervalGroup Y);

/// <summary>
/// One figure against another, a point per setting: the seeds as faint dots, each setting's means as a marker with its
/// interval on both axes and its label beside it, the means joined in the settings' order (a frontier, such as a
/// dictionary's FVU against its L0 over k).
/// </summary>
public static class TradeOffPlot
{
    static TradeOffPlot()
    {
        Fonts.Default = "DejaVu Sans"; // as in Plots: ScottPlot's default resolves to a serif face on Debian
    }

    public static void Write(string path, string title, string xLabel, string yLabel, IReadOnlyList<TradeOffPoint> points)
    {
        using var plot = new Plot();
        var dots = Colors.Gray.WithAlpha(0.55);
        var main = Colors.C0;
        foreach (var p in points.Where(p => p.Seeds.Count > 0))
        {
            var seeds = plot.Add.ScatterPoints(p.Seeds.Select(s => s.X).ToArray(), p.Seeds.Select(s => s.Y).ToArray());
            seeds.Color = dots;
            seeds.MarkerSize = 5;
        }
        var shown = points.Where(p => !double.IsNaN(p.X.Mean) && !double.IsNaN(p.Y.Mean)).ToList();
        if (shown.Count > 1)
        {
            var path_ = plot.Add.ScatterLine(shown.Select(p => p.X.Mean).ToArray(), shown.Select(p => p.Y.Mean).ToArray());
            path_.LineColor = main.WithAlpha(0.5);
            path_.LineWidth = 1.5f;
        }
        foreach (var p in shown)
        {
            foreach (var (x1, y1, x2, y2) in new[] { (p.X.Low, p.Y.Mean, p.X.High, p.Y.Mean), (p.X.Mean, p.Y.Low, p.X.Mean, p.Y.High) })
            {
                if (double.IsNaN(x1) || double.IsNaN(y1) || double.IsNaN(x2) || double.IsNaN(y2)) continue;
                var bar = plot.Add.Line(x1, y1, x2, y2);
                bar.LineColor = main;
                bar.LineWidth = 2;
            }
            var mean = plot.Add.ScatterPoints(new[] { p.X.Mean }, new[] { p.Y.Mean });
            mean.Color = main;
            mean.MarkerSize = 11;
            mean.MarkerShape = MarkerShape.FilledDiamond;
            var label = plot.Add.Text(p.Label, p.X.Mean, p.Y.Mean);
            label.LabelFontSize = 12;
            label.LabelOffsetX = 8;
            label.LabelOffsetY = -8;
        }
        plot.Axes.Margins(left: 0.05, right: 0.25, bottom: 0.08, top: 0.08); // room for the last setting's label
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.SavePng(path, 640, 480);
    }
}
