using MnistLab.Analysis.Information;
using MnistLab.Analysis.Probes;

namespace MnistLab.Interactive;

/// <summary>Probe tables and MI estimates as HTML tables, the numbers as the reports print them.</summary>
public static class TableViews
{
    /// <summary>One row per probed layer, one column per concept: the held-out score and, below it, the selectivity.</summary>
    public static string ProbeTable(ProbeTableResult table)
    {
        var html = new System.Text.StringBuilder();
        html.Append("<table class=\"mnistlab-probes\"><caption>")
            .Append(Html.Encode($"Probes of {table.Model} on {table.Images} images: held-out score / selectivity (score minus a control task's)"))
            .Append("</caption><thead><tr><th>layer</th>");
        foreach (string concept in table.Concepts) html.Append("<th>").Append(Html.Encode(concept)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var layer in table.Layers)
        {
            html.Append("<tr><th>").Append(Html.Encode(layer.Name)).Append("</th>");
            foreach (string concept in table.Concepts)
            {
                var p = table.Probes.FirstOrDefault(r => r.Layer == layer.Name && r.Concept == concept);
                html.Append("<td>").Append(p is null ? "-" : $"{Html.Number(p.Score, "F3")} / {Html.Number(p.Selectivity, "+0.000;-0.000")}").Append("</td>");
            }
            html.Append("</tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>One MI estimate: its value in nats and bits, its bootstrap interval and the null's p-value.</summary>
    public static string Mi(MiResult mi) =>
        "<table class=\"mnistlab-mi\"><thead><tr><th>estimator</th><th>MI (nats)</th><th>bits</th><th>interval</th><th>p (null)</th><th>samples</th></tr></thead><tbody><tr>"
        + $"<td>{Html.Encode(mi.Estimator)}</td><td>{Html.Number(mi.Estimate)}</td><td>{Html.Number(mi.Bits)}</td>"
        + $"<td>{(mi.Bootstrap > 0 ? $"[{Html.Number(mi.Low)}, {Html.Number(mi.High)}] ({mi.Bootstrap} resamples)" : "-")}</td>"
        + $"<td>{(mi.Null > 0 ? $"{Html.Number(mi.PNull, "G3")} ({mi.Null} shuffles)" : "-")}</td><td>{mi.Samples}</td></tr></tbody></table>";
}
