using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Interactive;

/// <summary>A loaded model as `mnistlab model show` prints it: where it came from, its layers with their parameters, its points with their shapes.</summary>
public static class ModelView
{
    public static string Html(LoadedModel model)
    {
        var html = new System.Text.StringBuilder("<div class=\"mnistlab-model\">");
        html.Append("<div><b>").Append(Interactive.Html.Encode(model.Source)).Append("</b>");
        if (model.Card is { } card)
            html.Append(Interactive.Html.Encode($": {card.Architecture}, imported from {card.SourceFormat}" +
                                    (card.Test.Accuracy is { } a ? $", test accuracy {a:P2}" : "")));
        html.Append("</div>");
        ModelSummary summary;
        try
        {
            using var scope = NewDisposeScope();
            summary = ModelSummary.Of(model.Model, model.Input(zeros(1, 1, 28, 28)));
        }
        catch (MnistLabException e)
        {
            // A model that reads another training's outputs cannot run alone; say so rather than fail the cell.
            return html.Append("<div>").Append(Interactive.Html.Encode($"{ModelSummary.ParameterCount(model.Model):N0} parameters; its points need a run: {e.Message}")).Append("</div></div>").ToString();
        }
        html.Append("<div>").Append(Interactive.Html.Encode($"{summary.Type}, {summary.Parameters:N0} parameters, reads {model.Spec.Input}")).Append("</div>");
        html.Append("<table><thead><tr><th>layer</th><th>type</th><th>parameters</th></tr></thead><tbody>");
        foreach (var layer in summary.Layers)
            html.Append("<tr><td>").Append(Interactive.Html.Encode(layer.Name)).Append("</td><td>").Append(Interactive.Html.Encode(layer.Type)).Append("</td><td>").Append(layer.Parameters.ToString("N0")).Append("</td></tr>");
        html.Append("</tbody></table><table><thead><tr><th>point</th><th>shape (one image)</th></tr></thead><tbody>");
        foreach (var point in summary.Points)
            html.Append("<tr><td>").Append(Interactive.Html.Encode(point.Name)).Append("</td><td>").Append(string.Join(" x ", point.Shape)).Append("</td></tr>");
        return html.Append("</tbody></table></div>").ToString();
    }
}
