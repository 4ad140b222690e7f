using ScottPlot;

namespace MnistLab.Reports;

/// <summary>
/// The PNG figures of the reports, drawn with ScottPlot. Every function writes one file and returns
/// nothing else; callers pass a path inside a <see cref="ReportFolder"/>.
/// </summary>
public static class Plots
{
    static Plots()
    {
        // ScottPlot's default family resolves to a serif face on Debian; DejaVu Sans is always present there.
        Fonts.Default = "DejaVu Sans";
    }

    /// <summary>Line chart of several named series against epochs 1..n.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, int width = 720, int height = 440)
    {
        using var plot = new Plot();
        foreach (var (name, values) in series)
        {
            double[] xs = Enumerable.Range(1, values.Count).Select(i => (double)i).ToArray();
            var line = plot.Add.Scatter(xs, values.ToArray());
            line.LegendText = name;
            line.LineWidth = 2;
            line.MarkerSize = values.Count > 30 ? 0 : 6;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, width, height);
    }

    /// <summary>Bar chart with one labelled bar per category.</summary>
    public static void Bars(string path, string title, string xLabel, string yLabel, IReadOnlyList<string> labels, IReadOnlyList<double> values, int width = 640, int height = 400)
    {
        using var plot = new Plot();
        plot.Add.Bars(values.ToArray());
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), labels.ToArray());
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.SavePng(path, width, height);
    }

    /// <summary>Bars grouped by category, one colour per series (for example one per run), with a legend.</summary>
    public static void GroupedBars(string path, string title, string yLabel, IReadOnlyList<string> categories,
        IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, int width = 960, int height = 460)
    {
        using var plot = new Plot();
        double size = 0.8 / series.Count;
        for (int s = 0; s < series.Count; s++)
        {
            double[] positions = Enumerable.Range(0, categories.Count).Select(i => i - 0.4 + size * (s + 0.5)).ToArray();
            var bars = plot.Add.Bars(positions, series[s].Values.ToArray());
            foreach (var bar in bars.Bars) bar.Size = size * 0.95;
            bars.LegendText = series[s].Name;
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, categories.Count).Select(i => (double)i).ToArray(), categories.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -35;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 110;
        plot.Axes.SetLimitsY(0, 1.05);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right); // beside the plot, never over a bar
        plot.SavePng(path, width, height);
    }

    /// <summary>
    /// One heatmap of a rows x cols matrix given row-major, row 0 at the top, with a colour bar. Diverging
    /// maps are centred on 0; others run from the minimum to the maximum.
    /// </summary>
    public static void Heatmap(string path, string title, IReadOnlyList<double> values, int rows, int cols, bool diverging = false)
    {
        var cells = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                cells[r, c] = values[r * cols + c];
        using var plot = new Plot();
        var map = plot.Add.Heatmap(cells);
        if (diverging)
        {
            double limit = Math.Max(values.Max(v => Math.Abs(v)), 1e-12);
            map.Colormap = new ScottPlot.Colormaps.Balance();
            map.ManualRange = new ScottPlot.Range(-limit, limit);
        }
        else map.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(map);
        plot.Title(title);
        plot.Axes.SquareUnits();
        plot.SavePng(path, 620, 540);
    }

    /// <summary>Scatter of points (markers only) with the line y = x for reference.</summary>
    public static void Scatter(string path, string title, string xLabel, string yLabel, IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        using var plot = new Plot();
        var points = plot.Add.ScatterPoints(xs.ToArray(), ys.ToArray());
        points.MarkerSize = 2;
        double lo = Math.Min(xs.Min(), ys.Min()), hi = Math.Max(xs.Max(), ys.Max());
        var line = plot.Add.Line(lo, lo, hi, hi);
        line.LineColor = Colors.Black.WithAlpha(0.6);
        line.LinePattern = LinePattern.Dashed;
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.SavePng(path, 560, 520);
    }

    /// <summary>Histogram of <paramref name="values"/> in <paramref name="bins"/> equal bins between their min and max.</summary>
    public static void Histogram(string path, string title, string xLabel, IReadOnlyList<double> values, int bins = 20)
    {
        double lo = values.Min(), hi = values.Max();
        double width = hi > lo ? (hi - lo) / bins : 1;
        var counts = new double[bins];
        foreach (var v in values) counts[Math.Min(bins - 1, (int)((v - lo) / width))]++;
        using var plot = new Plot();
        var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(i => lo + (i + 0.5) * width).ToArray(), counts);
        foreach (var bar in bars.Bars) bar.Size = width * 0.95;
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("count");
        plot.SavePng(path, 640, 400);
    }

    /// <summary>
    /// A grid of 28x28 maps (weights, filters) with one diverging colour scale centred on 0, shared by all
    /// panels so that colours compare across them. <paramref name="maps"/>[k] is a row-major 784 vector.
    /// </summary>
    public static void DivergingGrid(string path, IReadOnlyList<float[]> maps, IReadOnlyList<string> titles, int rows, int cols, int side = 28)
    {
        double limit = maps.SelectMany(m => m).Select(v => Math.Abs((double)v)).DefaultIfEmpty(1).Max();
        if (limit == 0) limit = 1;
        ImageGrid(path, maps, titles, rows, cols, side, new ScottPlot.Colormaps.Balance(), new ScottPlot.Range(-limit, limit));
    }

    /// <summary>A grid of grayscale images in [0, 1] (white digit on black, as MNIST is stored).</summary>
    public static void GrayGrid(string path, IReadOnlyList<float[]> images, IReadOnlyList<string> titles, int rows, int cols, int side = 28) =>
        ImageGrid(path, images, titles, rows, cols, side, new ScottPlot.Colormaps.Grayscale(), new ScottPlot.Range(0, 1));

    /// <summary>Heatmap of a square matrix of counts with the values written in the cells.</summary>
    public static void Confusion(string path, string title, int[,] counts)
    {
        int n = counts.GetLength(0);
        var values = new double[n, n];
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++)
                values[t, p] = Math.Log10(1 + counts[t, p]); // log scale: the diagonal would swamp every error
        using var plot = new Plot();
        var map = plot.Add.Heatmap(values);
        // Row 0 of a ScottPlot heatmap is drawn at the top, as in an image; ScottPlot's Blues runs dark to light.
        map.Colormap = new ScottPlot.Colormaps.Reversed(new ScottPlot.Colormaps.Blues());
        double max = values.Cast<double>().Max();
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++)
            {
                var text = plot.Add.Text(counts[t, p].ToString(), p, n - 1 - t);
                text.LabelFontSize = 11;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = values[t, p] > 0.6 * max ? Colors.White : Colors.Black;
            }
        double[] ticks = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, ticks.Select(i => ((int)i).ToString()).ToArray());
        plot.Axes.Left.SetTicks(ticks, ticks.Select(i => (n - 1 - (int)i).ToString()).ToArray());
        plot.Title(title);
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.SavePng(path, 560, 520);
    }

    /// <summary>Lines of several named series against explicit x values (fractions of pixels, say).</summary>
    public static void Curves(string path, string title, string xLabel, string yLabel, IReadOnlyList<double> xs, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, int width = 640, int height = 420)
    {
        using var plot = new Plot();
        foreach (var (name, values) in series)
        {
            var line = plot.Add.Scatter(xs.ToArray(), values.ToArray());
            line.LegendText = name;
            line.LineWidth = 2;
            line.MarkerSize = 4;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, width, height);
    }

    static void ImageGrid(string path, IReadOnlyList<float[]> images, IReadOnlyList<string> titles, int rows, int cols, int side, IColormap colormap, ScottPlot.Range range)
    {
        var multi = new Multiplot();
        multi.AddPlots(rows * cols);
        multi.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, cols);
        for (int k = 0; k < rows * cols; k++)
        {
            var plot = multi.GetPlot(k);
            plot.HideAxesAndGrid();
            if (k >= images.Count) continue;
            var cells = new double[side, side];
            for (int r = 0; r < side; r++)
                for (int c = 0; c < side; c++)
                    cells[r, c] = images[k][r * side + c];
            var map = plot.Add.Heatmap(cells);
            map.Colormap = colormap;
            map.ManualRange = range;
            plot.Title(titles[k], size: 13);
            plot.Axes.SquareUnits();
        }
        multi.SavePng(path, cols * 150, rows * 160);
    }
}
