using MnistLab.Attribution.Graph;
using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution;

/// <summary>
/// A model read as the chain of layers it computes (Linear, Conv2d, ReLU, LeakyReLU, ReLU6, max- and average-pooling,
/// BatchNorm in eval, Flatten, Dropout in eval, and residual sums x + F(x), all linear on pieces; and the smooth
/// activations Tanh, Sigmoid, GELU, ELU, SiLU and Softplus, which LRP passes and exact IG refuses), with every BatchNorm
/// that follows a Linear or Conv2d folded into it. Exact Integrated Gradients walks it along the straight path (<see cref="ExactPathWalk"/>); LRP
/// propagates relevance through it layer by layer (<see cref="LrpPropagation"/>). It is read (<see cref="LayerReader"/>)
/// from a <c>Sequential</c> of standard TorchSharp modules (so any model built that way works), from a module whose only
/// child is one, from an imported nn.Sequential, or from a lab model that declares its layers (<see cref="Models.ILayerSequence"/>).
/// Parameters are copied in float64 when the graph is built; it computes in the dtype of its input.
/// </summary>
public sealed class LayerGraph
{
    internal IReadOnlyList<Stage> Stages { get; }

    LayerGraph(IReadOnlyList<Stage> stages)
    {
        Stages = stages;
        static IEnumerable<Stage> Unnested(IEnumerable<Stage> stages) => stages.SelectMany(s => s is ResidualStage r ? Unnested(r.Branch) : [s]);
        var first = Unnested(stages).OfType<AffineStage>().FirstOrDefault();
        if (first is not null) first.IsFirst = true;
    }

    /// <summary>The layers in order, for reports and errors: <c>flatten → linear 784→256 → relu → linear 256→10</c>.</summary>
    public string Describe() => string.Join(" → ", Stages.Select(s => s.Describe()));

    /// <summary>The graph of <paramref name="model"/>, or an error naming what cannot be read.</summary>
    public static LayerGraph Of(Module<Tensor, Tensor> model) => new(LayerReader.Read(model));

    /// <summary>The graph of layers applied one after the other (nested Sequentials are read in place).</summary>
    public static LayerGraph FromSequence(IEnumerable<Module> layers) => new(LayerReader.Sequence(layers));

    /// <summary>The graph of the input's model, checked to reproduce it on the first inputs (at most 16) before any map is made.</summary>
    public static LayerGraph Checked(AttributionInput input)
    {
        var graph = Of(input.Model);
        using var first = input.Inputs.narrow(0, 0, Math.Min(16, input.Count));
        graph.CheckReproduces(input.Model, first);
        return graph;
    }

    /// <summary>The model's output as this graph computes it, in the dtype of <paramref name="x"/>.</summary>
    public Tensor Forward(Tensor x) => Stages.Aggregate(x, (a, s) => s.Forward(a));

    /// <summary>
    /// Refuses a graph that does not compute what the model computes on <paramref name="x"/> (a forward pass that does more
    /// than its layers in order): a wrong structure would otherwise give wrong maps without a word.
    /// </summary>
    public void CheckReproduces(Module<Tensor, Tensor> model, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var expected = ModelCalls.InEval(model, () => model.call(x)).to_type(ScalarType.Float64);
        double diff;
        try
        {
            var got = Forward(x.to_type(ScalarType.Float64));
            diff = got.shape.SequenceEqual(expected.shape) ? (got - expected).abs().max().item<double>() : double.PositiveInfinity;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.Runtime.InteropServices.ExternalException)
        {
            throw new MnistLabException($"the layers read from {model.GetType().Name} ({Describe()}) cannot run on its input of shape ({string.Join(", ", x.shape)}): {e.Message.Split('\n')[0]}");
        }
        double scale = 1 + expected.abs().max().item<double>();
        if (!(diff <= 1e-4 * scale))
            throw new MnistLabException($"the layers read from {model.GetType().Name} ({Describe()}) do not reproduce its output (largest difference {diff:G3}): its forward pass is not this plain sequence.");
    }
}
