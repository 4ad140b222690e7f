using System.Diagnostics;
using MnistLab.Common;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Analysis.Causal;

/// <summary>Options of <see cref="Circuits"/>: ACDC's thresholds and the most edges a search takes on.</summary>
public sealed record CircuitOptions
{
    /// <summary>ACDC's thresholds τ: an edge is removed when removing it raises the KL divergence from the full model by less than τ.</summary>
    public IReadOnlyList<double> Thresholds { get; init; } = [0.001, 0.003, 0.01, 0.03, 0.1];

    /// <summary>A model with more edges is refused (ACDC runs the model once per edge and threshold).</summary>
    public long MaxEdges { get; init; } = 50_000;

    public CircuitOptions Validated()
    {
        const string o = nameof(CircuitOptions);
        Require.That(Thresholds.Count > 0, $"{o}.{nameof(Thresholds)}", "must hold at least one threshold.");
        foreach (var t in Thresholds) Require.That(t > 0 && double.IsFinite(t), $"{o}.{nameof(Thresholds)}", $"thresholds are KL divergences above 0, got {t}.");
        Require.That(MaxEdges >= 1, $"{o}.{nameof(MaxEdges)}", $"must be at least 1, got {MaxEdges}.");
        return this;
    }
}

/// <summary>A circuit's faithfulness: its size, the KL divergence of its output from the full model's, and the share of the logit difference it keeps.</summary>
public sealed record CircuitPoint(int Edges, double Kl, double Restored);

/// <summary>The circuit ACDC keeps at one threshold, and how much it shares with edge attribution patching's circuit of the same size (Jaccard index).</summary>
public sealed record AcdcCircuit(double Threshold, IReadOnlyList<CircuitEdge> Edges, double Kl, double Restored, double Agreement, double Seconds);

/// <param name="EapScores">Each layer's ∂m/∂M at the full model, (To, From) row-major: the change in m edge attribution patching expects when the edge is kept rather than patched.</param>
public sealed record CircuitResult(IReadOnlyList<EdgeLayer> Layers, int Pairs, string Metric, double CleanMetric, double CorruptMetric, double CorruptKl,
    IReadOnlyList<AcdcCircuit> Acdc, IReadOnlyList<CircuitPoint> Eap, IReadOnlyList<float[]> EapScores, double EapSeconds)
{
    public long Edges => Layers.Sum(l => l.Edges);
}

/// <summary>
/// The smallest set of edges that still does the task given as image pairs (clean, corrupted). ACDC (Conmy et al. 2023):
/// from the full model, visit the layers from the output back and each edge into a node in turn, patch it (it carries its
/// source's corrupted value, <see cref="EdgeGraph"/>), and leave it patched when the KL divergence of the clean images'
/// output from the full model's rises by less than τ. Edge attribution patching (Syed et al. 2023) scores every edge
/// at once from one backward pass, by the gradient of the logit difference m with respect to the edge's switch, and keeps
/// the top n. m = logit[y] − logit[o], y the clean prediction and o the corrupted one (its runner-up when the
/// corruption leaves the prediction), as in <see cref="Patching"/>.
/// </summary>
public static class Circuits
{
    public static CircuitResult Find(Module model, Tensor clean, Tensor corrupt, CircuitOptions options, IProgressSink progress)
    {
        options.Validated();
        if (clean.shape[0] != corrupt.shape[0] || clean.shape[0] == 0)
            throw new ArgumentException($"{clean.shape[0]} clean and {corrupt.shape[0]} corrupted inputs: the pairs must match, and there must be some.");
        using var graph = EdgeGraph.Of(model, clean, corrupt, options.MaxEdges);
        using var scope = NewDisposeScope();
        var full = nn.functional.log_softmax(graph.CleanOutput, 1);
        var pFull = full.exp();
        double Kl(Tensor output)
        {
            using var s = NewDisposeScope();
            return (pFull * (full - nn.functional.log_softmax(output, 1))).sum(1).mean().item<float>();
        }
        var y = graph.CleanOutput.argmax(1);
        using (var own = nn.functional.one_hot(y, graph.CorruptOutput.shape[1]).to_type(ScalarType.Bool))
        {
            var o = graph.CorruptOutput.masked_fill(own, double.NegativeInfinity).argmax(1);
            Tensor Metric(Tensor logits) => logits.gather(1, y.unsqueeze(1)).squeeze(1) - logits.gather(1, o.unsqueeze(1)).squeeze(1);
            double mClean = Metric(graph.CleanOutput).sum().item<float>(), mCorrupt = Metric(graph.CorruptOutput).sum().item<float>();
            double gap = mClean - mCorrupt;
            CircuitPoint Measure(IReadOnlyList<Tensor> masks)
            {
                using var s = NewDisposeScope();
                using var _ = no_grad();
                var output = graph.Forward(masks);
                double m = Metric(output).sum().item<float>();
                return new CircuitPoint((int)masks.Sum(t => t.sum().item<float>()), Kl(output),
                    Math.Abs(gap) < 1e-6 * Math.Max(1, Math.Abs(mClean)) ? double.NaN : (m - mCorrupt) / gap);
            }

            // Edge attribution patching: one backward pass through the masks at "every edge kept".
            var eapClock = Stopwatch.StartNew();
            var scores = EdgeScores(graph, Metric);
            eapClock.Stop();
            var ranked = scores.SelectMany((s, k) => s.Select((v, i) => (Edge: new CircuitEdge(k, i % graph.Layers[k].FromCount, i / graph.Layers[k].FromCount), Score: Math.Abs(v))))
                .OrderByDescending(e => e.Score).ThenBy(e => e.Edge.Layer).ThenBy(e => e.Edge.To).ThenBy(e => e.Edge.From).Select(e => e.Edge).ToList();

            var acdc = new List<AcdcCircuit>();
            using (var task = progress.Start($"ACDC over {graph.Edges:N0} edges at {options.Thresholds.Count} threshold{(options.Thresholds.Count == 1 ? "" : "s")}", graph.Edges * options.Thresholds.Count))
                foreach (var tau in options.Thresholds)
                {
                    var clock = Stopwatch.StartNew();
                    var kept = Acdc(graph, Kl, tau, task);
                    clock.Stop();
                    var point = Measure(graph.Keeping(kept));
                    var top = ranked.Take(kept.Count).ToHashSet();
                    double union = kept.Count + top.Count - kept.Count(top.Contains);
                    acdc.Add(new AcdcCircuit(tau, kept, point.Kl, point.Restored, union == 0 ? 1 : kept.Count(top.Contains) / union, clock.Elapsed.TotalSeconds));
                }

            var sizes = Sizes(graph.Edges).Concat(acdc.Select(c => (long)c.Edges.Count)).Distinct().Order();
            var eap = sizes.Select(n => Measure(graph.Keeping(ranked.Take((int)n)))).ToList();
            return new CircuitResult(graph.Layers, (int)clean.shape[0], "logit[clean prediction] − logit[corrupted prediction, or its runner-up]",
                mClean, mCorrupt, Kl(graph.CorruptOutput), acdc, eap, scores, eapClock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>ACDC's greedy pass at threshold <paramref name="tau"/>: the edges it keeps.</summary>
    static List<CircuitEdge> Acdc(EdgeGraph graph, Func<Tensor, double> kl, double tau, IProgressTask task)
    {
        var masks = graph.Layers.Select(l => Enumerable.Repeat(1f, l.ToCount * l.FromCount).ToArray()).ToArray();
        var tensors = graph.AllKept();
        double current;
        using (no_grad()) using (var s = NewDisposeScope()) current = kl(graph.Forward(tensors));
        for (int k = graph.Layers.Count - 1; k >= 0; k--)
        {
            var layer = graph.Layers[k];
            for (int i = 0; i < masks[k].Length; i++)
            {
                masks[k][i] = 0;
                tensors[k].Dispose();
                tensors[k] = tensor(masks[k], [layer.ToCount, layer.FromCount]);
                double trial;
                // Only this layer and those after it change; the layers before it still keep every edge.
                using (no_grad()) using (var s = NewDisposeScope()) trial = kl(graph.Forward(tensors, fromLayer: k));
                if (trial - current < tau) current = trial;
                else masks[k][i] = 1;
                task.Advance(1);
            }
            tensors[k].Dispose();
            tensors[k] = tensor(masks[k], [layer.ToCount, layer.FromCount]);
        }
        foreach (var t in tensors) t.Dispose();
        return [.. masks.SelectMany((m, k) => m.Select((v, i) => (v, i))
            .Where(t => t.v == 1).Select(t => new CircuitEdge(k, t.i % graph.Layers[k].FromCount, t.i / graph.Layers[k].FromCount)))];
    }

    /// <summary>∂(Σ m)/∂M for every layer's mask at M = 1: each edge's attribution-patching score.</summary>
    static float[][] EdgeScores(EdgeGraph graph, Func<Tensor, Tensor> metric)
    {
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var masks = graph.AllKept().Select(m => m.requires_grad_()).ToArray();
        metric(graph.Forward(masks)).sum().backward();
        return [.. masks.Select(m => m.grad!.data<float>().ToArray())];
    }

    /// <summary>Circuit sizes for the attribution-patching curve: 1, 2, 5, 10, 20, 50, ... up to every edge.</summary>
    static IEnumerable<long> Sizes(long total)
    {
        for (long decade = 1; decade < total; decade *= 10)
            foreach (var m in new[] { 1, 2, 5 })
                if (decade * m < total) yield return decade * m;
        yield return total;
    }
}
