using MnistLab.Analysis.Information;
using MnistLab.Analysis.Probes;
using MnistLab.Attribution;
using MnistLab.Data;
using MnistLab.Import;
using MnistLab.Runs;
using Microsoft.DotNet.Interactive.Formatting;
using static TorchSharp.torch;

namespace MnistLab.Interactive;

/// <summary>
/// Registers the views as .NET Interactive's HTML formatters, so that a cell ending in one of these objects shows it:
/// an MNIST image or batch (a tensor of MNIST's shape, or <see cref="LabeledImages"/>) as its digits, an attribution
/// result as its maps, a probe table and an MI result as tables, a run as its headline figures and answer, a loaded
/// model as its layers and points, any other tensor as its shape and first values.
/// </summary>
public static class MnistFormatters
{
    /// <summary>Call once in a notebook (again is harmless: a later registration of a type replaces the earlier one).</summary>
    public static void Register()
    {
        Formatter.Register<Tensor>((t, writer) => writer.Write(DigitGrid.IsDigits(t) ? DigitGrid.Html(t) : TensorView.Html(t)), HtmlFormatter.MimeType);
        Formatter.Register<LabeledImages>((set, writer) => writer.Write(Labelled(set)), HtmlFormatter.MimeType);
        Formatter.Register<AttributionResult>((r, writer) => writer.Write(AttributionView.Html(r)), HtmlFormatter.MimeType);
        Formatter.Register<ProbeTableResult>((r, writer) => writer.Write(TableViews.ProbeTable(r)), HtmlFormatter.MimeType);
        Formatter.Register<MiResult>((r, writer) => writer.Write(TableViews.Mi(r)), HtmlFormatter.MimeType);
        Formatter.Register<ExperimentRun>((r, writer) => writer.Write(RunView.Html(r)), HtmlFormatter.MimeType);
        Formatter.Register<LoadedModel>((m, writer) => writer.Write(ModelView.Html(m)), HtmlFormatter.MimeType);
    }

    /// <summary>A labelled set: its name, size, and its first digits with their labels.</summary>
    public static string Labelled(LabeledImages set)
    {
        int n = Math.Min(set.Count, DigitGrid.MaxDigits);
        using var first = set.Images.narrow(0, 0, n);
        long[] labels = set.LabelArray()[..n];
        return $"<div><b>{Html.Encode(set.Name)}</b>: {set.Count:N0} labelled images</div>{DigitGrid.Html(first, labels)}";
    }
}
