using System.Diagnostics;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

/// <summary>
/// Layer conductance (Dhamdhere et al. 2018; Captum's LayerConductance): the flow of Integrated Gradients through each
/// unit y of the named point, Σ_k ∂f_t/∂y(x_k) ⊙ (y(x_{k+1}) − y(x_k)) over the input path x_k = b + (k/n)(x − b),
/// k = 0..n. Complete: Σ over the layer's units = f_t(x) − f_t(b) up to discretisation error.
/// </summary>
public static class LayerConductance
{
    public const string Name = "layer-conductance";

    public static AttributionResult Compute(AttributionInput input, LayerOptions options)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var model = input.Model;
        var x = input.Inputs;
        var b = options.Baseline.For(x);
        int n = options.Steps, points = n + 1;
        var unit = Enumerable.Repeat(1L, (int)x.dim() - 1).ToArray();
        var alphas = tensor(Enumerable.Range(0, points).Select(k => (double)k / n).ToArray()).to_type(x.dtype);
        int perChunk = Math.Max(1, options.InternalBatchRows / points);
        var parts = new List<Tensor>();
        for (int i0 = 0; i0 < input.Count; i0 += perChunk)
        {
            int k = Math.Min(perChunk, input.Count - i0);
            var xb = b.narrow(0, i0, k).unsqueeze(1);
            var path = (xb + alphas.view([1, points, .. unit]) * (x.narrow(0, i0, k).unsqueeze(1) - xb)).reshape([k * points, .. x.shape[1..]]);
            var t = tensor(input.Targets[i0..(i0 + k)]).repeat_interleave(points);
            using var g = Activations.Gradient(model, path, options.Point, output => output.gather(1, t.view(-1, 1)));
            var y = g.Activation.view([k, points, .. g.Activation.shape[1..]]);
            var grad = g.Gradient.view([k, points, .. g.Activation.shape[1..]]);
            parts.Add((grad.narrow(1, 0, n) * (y.narrow(1, 1, n) - y.narrow(1, 0, n))).sum(1));
        }
        var maps = cat(parts, 0);
        return AttributionResult.From(Name, maps, Completeness.Error(model, maps, x, b, input.Targets), sw.Elapsed.TotalSeconds);
    }
}
