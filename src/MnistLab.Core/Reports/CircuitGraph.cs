using MnistLab.Analysis.Causal;
using ScottPlot;

namespace MnistLab.Reports;

/// <summary>
/// A circuit drawn as a layered graph: one column per node set (input, h1, ..., out), only the nodes its edges touch,
/// each edge a line coloured by the sign of its attribution-patching score (blue: keeping it raises the clean answer's
/// logit difference; red: lowers it) and as thick as the score's size.
/// </summary>
public static class CircuitGraph
{
    static CircuitGraph()
    {
        Fonts.Default = "DejaVu Sans"; // as Plots: the default family resolves to a serif face on Debian
    }

    public static void Write(string path, string title, IReadOnlyList<EdgeLayer> layers, IReadOnlyList<CircuitEdge> edges, IReadOnlyList<float[]> scores)
    {
        using var plot = new Plot();
        int columns = layers.Count + 1;
        // The nodes of each column that an edge touches, spread evenly from top to bottom.
        var used = Enumerable.Range(0, columns).Select(_ => new SortedSet<int>()).ToArray();
        foreach (var e in edges)
        {
            used[e.Layer].Add(e.From);
            used[e.Layer + 1].Add(e.To);
        }
        var y = used.Select(set => set.Select((node, i) => (node, i)).ToDictionary(t => t.node, t => set.Count == 1 ? 0.5 : 1 - (double)t.i / (set.Count - 1))).ToArray();
        double max = edges.Count == 0 ? 1 : edges.Max(e => Math.Abs(Score(e)));
        double Score(CircuitEdge e) => scores[e.Layer][e.To * layers[e.Layer].FromCount + e.From];
        foreach (var e in edges)
        {
            double s = Score(e);
            var line = plot.Add.Line(e.Layer, y[e.Layer][e.From], e.Layer + 1, y[e.Layer + 1][e.To]);
            line.LineColor = (s >= 0 ? Colors.C0 : Colors.C3).WithAlpha(0.75);
            line.LineWidth = (float)(0.5 + 4 * Math.Abs(s) / (max == 0 ? 1 : max));
        }
        for (int c = 0; c < columns; c++)
        {
            string column = c == 0 ? layers[0].From : layers[c - 1].To;
            foreach (var (node, at) in y[c])
            {
                var marker = plot.Add.Marker(c, at);
                marker.MarkerSize = 7;
                marker.Color = Colors.Black;
                if (used[c].Count <= 24) // beyond that the labels overlap: the CSV lists every edge
                {
                    var label = plot.Add.Text(layers.Count > 0 && c == 0 && layers[0].FromCount == 1 ? column : $"{column}[{node}]", c, at);
                    label.LabelFontSize = 10;
                    label.LabelAlignment = c == columns - 1 ? Alignment.MiddleLeft : Alignment.MiddleRight;
                    label.OffsetX = c == columns - 1 ? 6 : -6;
                }
            }
        }
        plot.HideGrid();
        plot.Axes.Left.IsVisible = false;
        plot.Axes.Left.TickLabelStyle.IsVisible = false;
        double[] ticks = Enumerable.Range(0, columns).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, [layers[0].From, .. layers.Select(l => l.To)]);
        plot.Axes.SetLimits(-0.6, columns - 0.4, -0.08, 1.08);
        plot.Title(title);
        plot.SavePng(path, 200 + 180 * columns, 560);
    }
}
