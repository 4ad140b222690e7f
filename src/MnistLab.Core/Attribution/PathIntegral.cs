using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution;

/// <summary>
/// The engine of the path methods: Σ_k w_k ∇f_t(b + α_k (x − b)) for every example, computed in batches of at most
/// <c>rows</c> scaled inputs so memory stays bounded whatever the number of examples and steps (the blow-up of
/// captum#538 and #245 comes from building all N·n scaled inputs at once). The model must be in eval mode.
/// </summary>
static class PathIntegral
{
    /// <summary>The same nodes for every example (Integrated Gradients' quadrature).</summary>
    public static Tensor Shared(Module<Tensor, Tensor> model, Tensor x, Tensor baselines, long[] targets, double[] alphas, double[] weights, int rows) =>
        Shared(x, baselines, targets, alphas, weights, rows, (scaled, t, _) => ModelCalls.TargetGradient(model, scaled, t).Gradient);

    /// <summary>
    /// The same, with the gradient of any per-row objective: <paramref name="gradient"/>(scaled, targets, chunk) where the
    /// chunk's rows are examples chunk.First .. First + Count, each with chunk.Steps consecutive rows.
    /// </summary>
    public static Tensor Shared(Tensor x, Tensor baselines, long[] targets, double[] alphas, double[] weights, int rows,
        Func<Tensor, Tensor, (int First, int Count, int Steps), Tensor> gradient)
    {
        int n = alphas.Length, examples = (int)x.shape[0];
        var total = zeros_like(x);
        var a = tensor(alphas).to_type(x.dtype);
        var w = tensor(weights).to_type(x.dtype);
        var unit = Enumerable.Repeat(1L, (int)x.dim() - 1).ToArray();
        int perChunk = Math.Max(1, rows / n), stepsPerChunk = Math.Min(n, rows);
        for (int i0 = 0; i0 < examples; i0 += perChunk)
        {
            int k = Math.Min(perChunk, examples - i0);
            using var scope = NewDisposeScope();
            var xb = baselines.narrow(0, i0, k).unsqueeze(1);
            var diff = x.narrow(0, i0, k).unsqueeze(1) - xb;
            var t = tensor(targets[i0..(i0 + k)]);
            for (int s0 = 0; s0 < n; s0 += stepsPerChunk)
            {
                using var step = NewDisposeScope();
                int m = Math.Min(stepsPerChunk, n - s0);
                var scaled = (xb + a.narrow(0, s0, m).view([1, m, .. unit]) * diff).reshape([k * m, .. x.shape[1..]]); // (k·m, ...)
                var grad = gradient(scaled, t.repeat_interleave(m), (i0, k, m));
                var weighted = (grad.view([k, m, .. x.shape[1..]]) * w.narrow(0, s0, m).view([1, m, .. unit])).sum(1); // (k, ...)
                total.narrow(0, i0, k).add_(weighted);
            }
        }
        return total;
    }

    /// <summary>Nodes of each example's own (exact Integrated Gradients: one node per linear piece of the path).</summary>
    public static Tensor PerExample(Module<Tensor, Tensor> model, Tensor x, Tensor baselines, long[] targets, IReadOnlyList<(double[] Alphas, double[] Weights)> nodes, int rows)
    {
        var example = new List<long>();
        var alpha = new List<double>();
        var weight = new List<double>();
        for (int i = 0; i < nodes.Count; i++)
            for (int k = 0; k < nodes[i].Alphas.Length; k++) { example.Add(i); alpha.Add(nodes[i].Alphas[k]); weight.Add(nodes[i].Weights[k]); }
        var total = zeros_like(x);
        var unit = Enumerable.Repeat(1L, (int)x.dim() - 1).ToArray();
        for (int r0 = 0; r0 < example.Count; r0 += rows)
        {
            using var scope = NewDisposeScope();
            int m = Math.Min(rows, example.Count - r0);
            var idx = tensor(example.GetRange(r0, m).ToArray());
            var a = tensor(alpha.GetRange(r0, m).ToArray()).to_type(x.dtype).view([m, .. unit]);
            var w = tensor(weight.GetRange(r0, m).ToArray()).to_type(x.dtype).view([m, .. unit]);
            var xb = baselines.index_select(0, idx);
            var scaled = xb + a * (x.index_select(0, idx) - xb);
            var t = tensor(targets).index_select(0, idx);
            var (grad, _) = ModelCalls.TargetGradient(model, scaled, t);
            total.index_add_(0, idx, grad * w, 1);
        }
        return total;
    }
}
