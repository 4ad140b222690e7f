using MnistLab.Attribution;
using MnistLab.Attribution.Graph;
using MnistLab.Common;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Analysis.Causal;

/// <summary>
/// The edges of one Linear or Conv2d layer: from each node of its input (a unit of a dense input, a channel of a conv
/// input or of the conv output a Linear reads flattened; the image's channels for the first layer) to each unit or
/// output channel. <see cref="From"/> and <see cref="To"/> name the node columns (<c>input</c>, <c>h1</c>, ..., <c>out</c>).
/// </summary>
public sealed record EdgeLayer(string Name, string From, string To, int FromCount, int ToCount)
{
    public long Edges => (long)FromCount * ToCount;
}

/// <summary>One edge: from node <see cref="From"/> of layer <see cref="Layer"/>'s input to its node <see cref="To"/>.</summary>
public sealed record CircuitEdge(int Layer, int From, int To);

/// <summary>
/// A model read as a chain of Linear/Conv2d layers (<see cref="LayerGraph"/>) whose edges can each be patched: an edge
/// kept carries the value its source node has in the circuit's own run; an edge removed carries the value its source has
/// on the corrupted image (ACDC's convention, Conmy et al. 2023). A layer z = W a + b computes, with mask M over its
/// edges (1 kept, 0 removed) and the corrupted run's input a′, z = (W a′ + b) + (W ∘ M)(a − a′): all edges kept gives the
/// clean run, none the corrupted one, and each mask entry is a single edge's switch, so ∂m/∂M at M = 1 is edge
/// attribution patching's estimate for every edge at once (Syed et al. 2023). The stages between two layers (ReLU,
/// pooling, normalisation, flatten) run unchanged.
/// </summary>
public sealed class EdgeGraph : IDisposable
{
    readonly IReadOnlyList<Stage> stages;
    readonly int[] layerAt;       // stage index of each Linear/Conv2d
    readonly int[] group;         // input features per source node (a channel's H·W when a Linear reads a conv flattened; else 1)
    readonly Tensor[] corruptIn;  // the corrupted run's input to each layer
    readonly Tensor[] corruptOut; // W a′ + b
    readonly Tensor[] cleanIn;    // the clean run's input to each layer
    readonly Tensor cleanOutput;

    public IReadOnlyList<EdgeLayer> Layers { get; }
    public long Edges => Layers.Sum(l => l.Edges);
    public Tensor CleanOutput => cleanOutput;
    public Tensor CorruptOutput { get; }

    EdgeGraph(IReadOnlyList<Stage> stages, int[] layerAt, int[] group, IReadOnlyList<EdgeLayer> layers, Tensor[] cleanIn, Tensor cleanOutput,
        Tensor[] corruptIn, Tensor[] corruptOut, Tensor corruptOutput)
    {
        this.stages = stages;
        this.layerAt = layerAt;
        this.group = group;
        Layers = layers;
        this.cleanIn = cleanIn;
        this.cleanOutput = cleanOutput;
        this.corruptIn = corruptIn;
        this.corruptOut = corruptOut;
        CorruptOutput = corruptOutput;
    }

    /// <summary>
    /// The edge graph of <paramref name="model"/> on the pairs (<paramref name="clean"/>, <paramref name="corrupt"/>), or an
    /// error naming what cannot be read, or saying how many edges there are when they exceed <paramref name="maxEdges"/>.
    /// </summary>
    public static EdgeGraph Of(Module model, Tensor clean, Tensor corrupt, long maxEdges)
    {
        var graph = LayerGraph.Of(model);
        using var first = clean.narrow(0, 0, Math.Min(16, clean.shape[0]));
        graph.CheckReproduces(model, first);
        var stages = graph.Stages;
        if (stages.FirstOrDefault(s => s is ResidualStage) is { } residual)
            throw new MnistLabException($"circuits read a chain of layers; this model has a residual block ({residual.Describe()}), whose skip edges are not modelled.");
        var layerAt = stages.Select((s, i) => (s, i)).Where(t => t.s is AffineStage).Select(t => t.i).ToArray();
        if (layerAt.Length == 0) throw new MnistLabException($"the model ({graph.Describe()}) has no Linear or Conv2d layer: it has no edges.");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor[] Inputs(Tensor x, out Tensor output, out Tensor[] starts)
        {
            var inputs = new Tensor[layerAt.Length];
            starts = new Tensor[layerAt.Length];
            var a = x.to_type(ScalarType.Float32, copy: true); // a copy: the graph owns (and disposes) what it keeps
            starts[0] = a;
            for (int i = 0, k = 0; i < stages.Count; i++)
            {
                bool isLayer = k < layerAt.Length && i == layerAt[k];
                if (isLayer) inputs[k] = a;
                a = stages[i].Forward(a);
                if (isLayer && ++k < layerAt.Length) starts[k] = a;
            }
            output = a;
            return inputs;
        }
        var cleanIn = Inputs(clean, out var cleanOutput, out var starts);
        var corruptIn = Inputs(corrupt, out var corruptOutput, out _);

        var layers = new List<EdgeLayer>();
        var group = new int[layerAt.Length];
        for (int k = 0; k < layerAt.Length; k++)
        {
            var stage = (AffineStage)stages[layerAt[k]];
            // The source nodes: the channels (or units) of what came out of the layer before (the image, for the first).
            var start = starts[k];
            int nodes = (int)(start.dim() >= 2 ? start.shape[1] : 1);
            int inputs = (int)stage.Weight.shape[1];
            if (stage.IsConv)
            {
                if (stage.Weight.shape[1] != nodes)
                    throw new MnistLabException($"{stage.Describe()} reads {stage.Weight.shape[1]} channels per group where the layer before gives {nodes}: grouped convolutions have no edge per channel pair.");
                group[k] = 1;
            }
            else
            {
                if (inputs % nodes != 0)
                    throw new MnistLabException($"{stage.Describe()} reads {inputs} features, which do not split into the {nodes} channels before it.");
                group[k] = inputs / nodes;
            }
            string from = k == 0 ? "input" : $"h{k}", to = k == layerAt.Length - 1 ? "out" : $"h{k + 1}";
            layers.Add(new EdgeLayer(stage.Describe(), from, to, nodes, (int)stage.Weight.shape[0]));
        }
        long edges = layers.Sum(l => l.Edges);
        if (edges > maxEdges)
        {
            const string option = $"{nameof(CircuitOptions)}.{nameof(CircuitOptions.MaxEdges)}";
            throw new InvalidOptionException(option, $"{option} is {maxEdges:N0}, but the model has {edges:N0} edges ({string.Join(", ", layers.Select(l => $"{l.Name}: {l.Edges:N0}"))}); raise it to search them all.");
        }

        var corruptOut = layerAt.Select((i, k) => stages[i].Forward(corruptIn[k]).MoveToOuterDisposeScope()).ToArray();
        foreach (var t in cleanIn.Concat(corruptIn)) t.MoveToOuterDisposeScope();
        return new EdgeGraph(stages, layerAt, group, layers, cleanIn, cleanOutput.MoveToOuterDisposeScope(), corruptIn, corruptOut,
            corruptOutput.MoveToOuterDisposeScope());
    }

    /// <summary>Masks that keep every edge (float32, one (To, From) matrix per layer).</summary>
    public Tensor[] AllKept() => Layers.Select(l => ones(l.ToCount, l.FromCount)).ToArray();

    /// <summary>Masks that keep exactly <paramref name="edges"/>.</summary>
    public Tensor[] Keeping(IEnumerable<CircuitEdge> edges)
    {
        var masks = Layers.Select(l => new float[l.ToCount * l.FromCount]).ToArray();
        foreach (var e in edges) masks[e.Layer][e.To * Layers[e.Layer].FromCount + e.From] = 1;
        return masks.Select((m, k) => tensor(m, [Layers[k].ToCount, Layers[k].FromCount])).ToArray();
    }

    /// <summary>
    /// The model's output on the clean images with each layer's edges switched by <paramref name="masks"/>, computed from
    /// layer <paramref name="fromLayer"/> on (the layers before it must have all their edges kept: their inputs are the clean run's).
    /// </summary>
    public Tensor Forward(IReadOnlyList<Tensor> masks, int fromLayer = 0)
    {
        var a = cleanIn[fromLayer];
        for (int i = layerAt[fromLayer], k = fromLayer; i < stages.Count; i++)
        {
            if (k < layerAt.Length && i == layerAt[k])
            {
                var stage = (AffineStage)stages[i];
                var mask = stage.IsConv ? masks[k].view(masks[k].shape[0], masks[k].shape[1], 1, 1)
                    : group[k] == 1 ? masks[k] : masks[k].repeat_interleave(group[k], dim: 1);
                a = corruptOut[k] + stage.Apply(a - corruptIn[k], Stage.Cast(stage.Weight, a) * mask, null);
                k++;
            }
            else a = stages[i].Forward(a);
        }
        return a;
    }

    public void Dispose()
    {
        foreach (var t in cleanIn.Concat(corruptIn).Concat(corruptOut)) t.Dispose();
        cleanOutput.Dispose();
        CorruptOutput.Dispose();
    }
}
