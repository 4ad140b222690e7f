using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Benchmarks;

/// <summary>
/// One convolution or linear layer as a forward pass met it: its output shape for one item, its multiply-adds per item,
/// and whether its input needs a gradient in training (false for a layer that reads the data itself).
/// </summary>
public sealed record LayerFlop(string Name, string Type, long[] OutputShape, long MultiplyAdds, bool InputGradient)
{
    /// <summary>Forward (2 per multiply-add), the weight gradient (as many), and the input gradient (as many) when there is one.</summary>
    public double TrainFlop => 2.0 * MultiplyAdds * (InputGradient ? 3 : 2);
}

/// <summary>The FLOPs of a model per item, layer by layer.</summary>
public sealed record FlopCount(IReadOnlyList<LayerFlop> Layers)
{
    public double ForwardFlop => Layers.Sum(l => 2.0 * l.MultiplyAdds);
    public double TrainFlop => Layers.Sum(l => l.TrainFlop);
}

/// <summary>
/// FLOPs per item read from a model's layers, as the bench's "share of the ceiling" needs them: the multiply-adds of
/// every convolution (output elements x input channels per group x kernel area) and linear layer (outputs x inputs),
/// found by running the model once on one item with a hook on each and reading the shapes it met. Element-wise layers
/// (ReLU, pooling, batch norm, biases) are memory-bound and not counted, as in the matmul ceiling they are read against.
/// A training step counts each layer's forward, its weight gradient and, unless its input is the data, its input gradient.
/// </summary>
public static class FlopCounter
{
    /// <summary>Counts <paramref name="model"/> on <paramref name="item"/> (a batch of one), in eval mode; the mode is restored.</summary>
    public static FlopCount Count(Module<Tensor, Tensor> model, Tensor item)
    {
        if (item.shape[0] != 1) throw new ArgumentException($"expected a batch of one item, got {item.shape[0]}.");
        var layers = new List<LayerFlop>();
        var removers = new List<Action>();
        bool wasTraining = model.training;
        try
        {
            foreach (var (name, module) in model.named_modules())
            {
                if (module is Conv2d conv)
                    removers.Add(conv.register_forward_hook((_, input, output) => Add(layers, name, "Conv2d", input, output, conv.weight!)).remove);
                else if (module is Linear linear)
                    removers.Add(linear.register_forward_hook((_, input, output) => Add(layers, name, "Linear", input, output, linear.weight!)).remove);
            }
            model.eval();
            using var scope = NewDisposeScope();
            using var _ = enable_grad();
            model.call(item);
        }
        finally
        {
            foreach (var remove in removers) remove();
            model.train(wasTraining);
        }
        return new FlopCount(layers);
    }

    static Tensor Add(List<LayerFlop> layers, string name, string type, Tensor input, Tensor output, Tensor weight)
    {
        // Per output element: one multiply-add per weight of its filter (Conv2d: in/groups x kH x kW; Linear: in).
        long perOutput = weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        long[] shape = output.shape[1..];
        layers.Add(new LayerFlop(name, type, shape, shape.Aggregate(1L, (a, b) => a * b) * perOutput, input.requires_grad));
        return output;
    }
}
