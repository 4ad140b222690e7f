using MnistLab.Analysis.Causal;
using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Causal;

/// <summary>Edge patching, ACDC and edge attribution patching on models whose circuits are known.</summary>
public class CircuitTests
{
    /// <summary>
    /// A 3-3-2 MLP with W1 = I and W2 = [[2, 1, 0], [−2, 0, 0]]: out0 = 2·h0 + h1, out1 = −2·h0. The pairs differ in x0
    /// (clean 0.5–1.5, corrupted 0) and in x2 (which no output reads), not in x1: the task runs through in0 → h0 → out0
    /// and h0 → out1 only.
    /// </summary>
    static (Mlp Model, Tensor Clean, Tensor Corrupt) HandBuilt()
    {
        var model = new Mlp(3, 3, 2);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                p.copy_(name switch
                {
                    "fc1.weight" => eye(3),
                    "fc2.weight" => tensor(new float[] { 2, 1, 0, -2, 0, 0 }, [2, 3]),
                    _ => zeros_like(p),
                });
        model.eval();
        using var g = new Generator(5);
        var x0 = rand([40, 1], generator: g) + 0.5;
        var x1 = rand([40, 1], generator: g);
        var clean = cat([x0, x1, rand([40, 1], generator: g)], 1);
        var corrupt = cat([zeros(40, 1), x1, rand([40, 1], generator: g)], 1);
        return (model, clean, corrupt);
    }

    [Fact]
    public void Acdc_recovers_the_hand_built_circuit_and_attribution_patching_ranks_it_first()
    {
        var (model, clean, corrupt) = HandBuilt();
        using var _ = model;
        var r = Circuits.Find(model, clean, corrupt, new CircuitOptions { Thresholds = [1e-4] }, ProgressSink.None);
        Assert.Equal(3 * 3 + 3 * 2, r.Edges);
        CircuitEdge[] circuit = [new(0, 0, 0), new(1, 0, 0), new(1, 0, 1)];
        Assert.Equal(circuit.ToHashSet(), r.Acdc[0].Edges.ToHashSet());
        Assert.True(r.Acdc[0].Kl < 1e-6, $"the circuit's KL is {r.Acdc[0].Kl}");
        Assert.Equal(1.0, r.Acdc[0].Restored, 5);
        Assert.Equal(1.0, r.Acdc[0].Agreement);

        // Known scores: m = out0 − out1 = 4·h0 (the clean class 0 against the corrupted run's runner-up 1), so
        // ∂m/∂M is 4·x0 summed for in0 → h0, 2·x0 for h0 → out0 and for h0 → out1, and 0 for every other edge.
        double sum = clean[TensorIndex.Colon, 0].sum().item<float>();
        Assert.Equal(4 * sum, r.EapScores[0][0], 3);
        Assert.Equal(2 * sum, r.EapScores[1][0], 3);
        Assert.Equal(2 * sum, r.EapScores[1][1 * 3 + 0], 3);
        Assert.Equal(3, r.EapScores.SelectMany(s => s).Count(v => v != 0));
    }

    [Fact]
    public void Every_edge_kept_is_the_clean_run_and_none_the_corrupted_one_for_a_cnn()
    {
        using var g = new Generator(2);
        manual_seed(2);
        using var model = nn.Sequential(("conv", nn.Conv2d(1, 4, 3)), ("relu", nn.ReLU()), ("pool", nn.MaxPool2d(2)), ("flatten", nn.Flatten()),
            ("fc", nn.Linear(4 * 13 * 13, 10)));
        model.eval();
        var clean = rand([8, 1, 28, 28], generator: g);
        var corrupt = rand([8, 1, 28, 28], generator: g);
        using var graph = EdgeGraph.Of(model, clean, corrupt, maxEdges: 1000);
        // The conv reads the image's one channel; the Linear reads the 4 channels flattened, one node each.
        Assert.Equal([(1, 4), (4, 10)], graph.Layers.Select(l => (l.FromCount, l.ToCount)));
        using var expectedClean = model.call(clean);
        using var expectedCorrupt = model.call(corrupt);
        using var all = graph.Forward(graph.AllKept());
        using var none = graph.Forward(graph.Keeping([]));
        Assert.True((all - expectedClean).abs().max().item<float>() < 1e-5);
        Assert.True((none - expectedCorrupt).abs().max().item<float>() < 1e-5);
        // One conv edge patched changes only what reads that channel: the same as running the corrupted image's channel through it.
        using var one = graph.Forward(graph.Keeping(graph.Layers.SelectMany((l, k) => Enumerable.Range(0, l.FromCount * l.ToCount)
            .Select(i => new CircuitEdge(k, i % l.FromCount, i / l.FromCount))).Where(e => e != new CircuitEdge(0, 0, 2))));
        var conv = (TorchSharp.Modules.Conv2d)model.children().First();
        using var mixed = conv.call(clean);
        using (var c = conv.call(corrupt)) mixed[TensorIndex.Colon, 2] = c[TensorIndex.Colon, 2];
        using var expectedOne = model.children().Skip(1).Aggregate(mixed.alias(), (a, m) => ((nn.Module<Tensor, Tensor>)m).call(a));
        Assert.True((one - expectedOne).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void A_model_with_more_edges_than_the_bound_is_refused_saying_how_many()
    {
        var (model, clean, corrupt) = HandBuilt();
        using var _ = model;
        var e = Assert.Throws<InvalidOptionException>(() => Circuits.Find(model, clean, corrupt, new CircuitOptions { MaxEdges = 10 }, ProgressSink.None));
        Assert.Contains("15 edges", e.Message);
        Assert.Equal("CircuitOptions.MaxEdges", e.Option);
        Assert.Throws<InvalidOptionException>(() => new CircuitOptions { Thresholds = [0.01, -1] }.Validated());
    }
}
