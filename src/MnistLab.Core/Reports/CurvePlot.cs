using ScottPlot;

namespace MnistLab.Reports;

/// <summary>One named curve: y against x, point by point.</summary>
public sealed record CurveSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>Curves of y against a measured x (seconds, say), unlike <see cref="Plots.Lines"/> which plots against 1..n.</summary>
public static class CurvePlot
{
    static CurvePlot()
    {
        Fonts.Default = "DejaVu Sans"; // as Plots: the default family resolves to a serif face on Debian
    }

    /// <summary>Writes the curves to <paramref name="path"/>, with a dashed horizontal line at <paramref name="level"/> when given.</summary>
    public static void Write(string path, string title, string xLabel, string yLabel, IReadOnlyList<CurveSeries> series,
        (double Value, string Label)? level = null, int width = 720, int height = 440)
    {
        using var plot = new Plot();
        foreach (var s in series)
        {
            var line = plot.Add.Scatter(s.X.ToArray(), s.Y.ToArray());
            line.LegendText = s.Name;
            line.LineWidth = 2;
            line.MarkerSize = s.X.Count > 30 ? 0 : 5;
        }
        if (level is { } l)
        {
            var h = plot.Add.HorizontalLine(l.Value);
            h.LinePattern = LinePattern.Dashed;
            h.LineColor = Colors.Gray;
            h.LegendText = l.Label;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, width, height);
    }
}
