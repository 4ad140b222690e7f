using TorchSharp;
using static TorchSharp.torch;

namespace MnistLab.Interactive;

/// <summary>A tensor as its shape, type and first values (a preview; printing a whole activation would bury the cell).</summary>
public static class TensorView
{
    public const int PreviewValues = 10;

    public static string Html(Tensor t)
    {
        string shape = t.shape.Length == 0 ? "scalar" : string.Join(" x ", t.shape);
        string values;
        if (t.numel() == 0) values = "(empty)";
        else
        {
            using var scope = NewDisposeScope();
            var flat = t.detach().cpu().to_type(ScalarType.Float64).flatten();
            int n = (int)Math.Min(flat.shape[0], PreviewValues);
            values = string.Join(", ", flat.narrow(0, 0, n).data<double>().ToArray().Select(v => Interactive.Html.Number(v)))
                + (flat.shape[0] > n ? $", ... ({flat.shape[0]} values)" : "");
        }
        return $"<div class=\"mnistlab-tensor\"><b>Tensor</b> {Interactive.Html.Encode(shape)} <code>{Interactive.Html.Encode(t.dtype.ToString())}</code>"
            + $"<pre>[{Interactive.Html.Encode(values)}]</pre></div>";
    }
}
