using ScottPlot;

namespace MnistLab.Reports;

/// <summary>The figures of probe tables and information planes, drawn with ScottPlot like <see cref="Plots"/>.</summary>
public static class ProbePlots
{
    static ProbePlots() => Fonts.Default = "DejaVu Sans";

    /// <summary>
    /// A rows x columns heatmap with row and column labels and each value written in its cell (NaN cells left blank);
    /// diverging maps are centred on 0.
    /// </summary>
    public static void LabelledHeatmap(string path, string title, IReadOnlyList<string> rows, IReadOnlyList<string> columns, double[,] values,
        string format = "0.00", bool diverging = false)
    {
        int r = rows.Count, c = columns.Count;
        var finite = values.Cast<double>().Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        // ScottPlot cannot range a heatmap with no finite cell: such a map is drawn empty (one uniform colour) and says so.
        bool empty = !values.Cast<double>().Any(double.IsFinite);
        if (empty) title += " (no values)";
        var cells = new double[r, c];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < c; j++)
                cells[i, j] = double.IsFinite(values[i, j]) ? values[i, j] : empty ? 0 : double.NaN;
        using var plot = new Plot();
        var map = plot.Add.Heatmap(cells);
        double lo = finite.Min(), hi = finite.Max();
        if (diverging)
        {
            double limit = Math.Max(Math.Max(Math.Abs(lo), Math.Abs(hi)), 1e-12);
            map.ManualRange = new ScottPlot.Range(-limit, limit);
            map.Colormap = new ScottPlot.Colormaps.Balance();
            (lo, hi) = (-limit, limit);
        }
        else
        {
            if (hi <= lo) hi = lo + 1;
            map.ManualRange = new ScottPlot.Range(lo, hi);
            map.Colormap = new ScottPlot.Colormaps.Viridis();
        }
        for (int i = 0; i < r; i++)
            for (int j = 0; j < c; j++)
            {
                if (!double.IsFinite(values[i, j])) continue;
                var text = plot.Add.Text(values[i, j].ToString(format, System.Globalization.CultureInfo.InvariantCulture), j, r - 1 - i);
                text.LabelFontSize = 12;
                text.LabelAlignment = Alignment.MiddleCenter;
                double t = (values[i, j] - lo) / (hi - lo);
                text.LabelFontColor = diverging ? (Math.Abs(t - 0.5) > 0.3 ? Colors.White : Colors.Black) : (t < 0.6 ? Colors.White : Colors.Black);
            }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, c).Select(j => (double)j).ToArray(), columns.ToArray());
        plot.Axes.Left.SetTicks(Enumerable.Range(0, r).Select(i => (double)(r - 1 - i)).ToArray(), rows.ToArray());
        plot.Axes.Left.MinimumSize = 130;
        plot.Axes.SetLimits(-0.5, c - 0.5, -0.5, r - 0.5);
        plot.Add.ColorBar(map);
        plot.Title(title);
        plot.SavePng(path, Math.Max(520, 150 + 95 * c), Math.Max(360, 110 + 42 * r));
    }

    /// <summary>One named trajectory of an information plane: a point per epoch with its intervals on both axes.</summary>
    public sealed record PlaneSeries(string Name, double[] X, double[] Y, double[] XLow, double[] XHigh, double[] YLow, double[] YHigh, int[] Epochs);

    /// <summary>I(T; X) across, I(T; Y) up: one line per layer through its epochs, epochs labelled, 95% intervals as error bars.</summary>
    public static void InformationPlane(string path, string title, string xLabel, string yLabel, IReadOnlyList<PlaneSeries> series)
    {
        using var plot = new Plot();
        plot.Add.Palette = new ScottPlot.Palettes.Category20(); // one colour per layer for up to 20 layers
        foreach (var s in series)
        {
            var line = plot.Add.Scatter(s.X, s.Y);
            line.LegendText = s.Name;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            var bars = plot.Add.ErrorBar(s.X, s.Y, s.Y.Select(_ => 0.0).ToArray());
            bars.XErrorNegative = s.X.Zip(s.XLow, (v, l) => double.IsFinite(l) ? Math.Max(0, v - l) : 0).ToArray();
            bars.XErrorPositive = s.X.Zip(s.XHigh, (v, h) => double.IsFinite(h) ? Math.Max(0, h - v) : 0).ToArray();
            bars.YErrorNegative = s.Y.Zip(s.YLow, (v, l) => double.IsFinite(l) ? Math.Max(0, v - l) : 0).ToArray();
            bars.YErrorPositive = s.Y.Zip(s.YHigh, (v, h) => double.IsFinite(h) ? Math.Max(0, h - v) : 0).ToArray();
            bars.Color = line.Color;
            for (int i = 0; i < s.Epochs.Length; i++)
            {
                var label = plot.Add.Text($"{s.Epochs[i]}", s.X[i], s.Y[i]);
                label.LabelFontSize = 10;
                label.LabelFontColor = line.Color;
                label.LabelAlignment = Alignment.LowerLeft;
            }
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 860, 520);
    }

    /// <summary>One estimate per labelled item with its interval as an error bar; items flagged in <paramref name="marked"/> drawn filled.</summary>
    public static void Intervals(string path, string title, string yLabel, IReadOnlyList<string> labels, IReadOnlyList<double> estimates,
        IReadOnlyList<double> lows, IReadOnlyList<double> highs, IReadOnlyList<bool> marked, string markedName, string otherName)
    {
        using var plot = new Plot();
        double[] xs = Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray();
        foreach (var (flag, name, shape) in new[] { (true, markedName, MarkerShape.FilledCircle), (false, otherName, MarkerShape.OpenCircle) })
        {
            var idx = Enumerable.Range(0, labels.Count).Where(i => marked[i] == flag).ToArray();
            if (idx.Length == 0) continue;
            var points = plot.Add.ScatterPoints(idx.Select(i => xs[i]).ToArray(), idx.Select(i => estimates[i]).ToArray());
            points.MarkerShape = shape;
            points.MarkerSize = 7;
            points.LegendText = name;
            var bars = plot.Add.ErrorBar(idx.Select(i => xs[i]).ToArray(), idx.Select(i => estimates[i]).ToArray(), idx.Select(_ => 0.0).ToArray());
            bars.YErrorNegative = idx.Select(i => double.IsFinite(lows[i]) ? Math.Max(0, estimates[i] - lows[i]) : 0).ToArray();
            bars.YErrorPositive = idx.Select(i => double.IsFinite(highs[i]) ? Math.Max(0, highs[i] - estimates[i]) : 0).ToArray();
            bars.Color = points.Color;
        }
        var zero = plot.Add.HorizontalLine(0);
        zero.LineColor = Colors.Black.WithAlpha(0.4);
        zero.LinePattern = LinePattern.Dashed;
        plot.Axes.Bottom.SetTicks(xs, labels.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 60;
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Math.Max(640, 40 + 26 * labels.Count), 420);
    }
}
