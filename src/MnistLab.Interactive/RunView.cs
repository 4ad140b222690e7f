using MnistLab.Experiments;
using MnistLab.Runs;

namespace MnistLab.Interactive;

/// <summary>A finished run as its report states it: the experiment's question, its headline figures and the answer they give.</summary>
public static class RunView
{
    /// <summary>The headlines in the experiment's order, each formatted as the reports print it (92.61%, +1.00 pt, 0.934).</summary>
    public static string Html(ExperimentRun run)
    {
        var experiment = Registry.All.FirstOrDefault(e => e.Name == run.Experiment);
        var html = new System.Text.StringBuilder("<div class=\"mnistlab-run\">");
        html.Append("<div><b>").Append(Interactive.Html.Encode(experiment?.Title ?? run.Experiment)).Append("</b></div>");
        if (experiment is not null) html.Append("<div><i>").Append(Interactive.Html.Encode(experiment.Question)).Append("</i></div>");
        html.Append("<table><thead><tr><th>figure</th><th>value</th></tr></thead><tbody>");
        var headlines = experiment?.Headlines ?? [];
        // The experiment's headlines first, in its order; any figure it does not name after them, as a plain number.
        var rows = headlines.Where(h => run.Figures.ContainsKey(h.Key)).Select(h => (h.Label, h.Format(run.Figures[h.Key])))
            .Concat(run.Figures.Where(f => headlines.All(h => h.Key != f.Key)).Select(f => (f.Key, Interactive.Html.Number(f.Value))));
        foreach (var (label, value) in rows)
            html.Append("<tr><td>").Append(Interactive.Html.Encode(label)).Append("</td><td>").Append(Interactive.Html.Encode(value)).Append("</td></tr>");
        html.Append("</tbody></table>");
        html.Append("<p>").Append(Interactive.Html.Encode(run.Answer)).Append("</p>");
        html.Append("<div>report: <code>").Append(Interactive.Html.Encode(Path.Combine(run.Folder, "report.html"))).Append("</code></div>");
        return html.Append("</div>").ToString();
    }
}
