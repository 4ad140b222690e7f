using MnistLab.Common;
using MnistLab.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution.Graph;

/// <summary>
/// Reads a model as the stages of a <see cref="LayerGraph"/>: a lab model through the layers it declares
/// (<see cref="ILayerSequence"/>), an imported nn.Sequential with its input reshape and normalisation, a
/// <c>Sequential</c>, a module whose only child is one, or a module made only of standard layers (in the order they were
/// registered). Every BatchNorm that directly follows a Linear or Conv2d is folded into it; parameters are copied in float64.
/// </summary>
static class LayerReader
{
    /// <summary>The stages of <paramref name="model"/>, or an error naming what cannot be read.</summary>
    public static List<Stage> Read(Module<Tensor, Tensor> model) => model switch
    {
        ILayerSequence lab => Sequence(lab.Layers()),
        // Its forward runs inside libtorch: no layer of it can be walked (and walking the script's modules is not its forward).
        Import.TorchScriptModel => throw new MnistLabException(
            "a TorchScript model runs inside libtorch, so exact Integrated Gradients and LRP cannot walk its layers; import its state_dict with --arch or --kind instead."),
        Import.SequentialModel imported => Imported(imported),
        Import.OnnxGraphModel onnx => OnnxChain(onnx),
        Import.NormalizedModel normalized => [new NormalizeStage(normalized.Spec.Normalize.Mean, normalized.Spec.Normalize.Std), .. Read(normalized.Model)],
        Sequential seq => Sequence(seq.children()),
        _ when Unwrapped(model) is { } inner => Sequence(inner.children()),
        // A module whose children are all standard layers is read in the order they were registered; the
        // reproduction check refuses it if its forward pass does anything else.
        _ when model.children().Where(c => c is not HookPoint).ToList() is { Count: > 0 } kids && kids.All(IsStandard) => Sequence(kids),
        _ => throw new MnistLabException(
            $"{Name(model)} is not a plain sequence of layers: exact Integrated Gradients and LRP read Sequential models of Linear, Conv2d, " +
            "activation, pooling, BatchNorm, Flatten and Dropout layers (or a module whose only child is one), and the lab's linear, MLP, speed-run CNN and ResNet models."),
    };

    /// <summary>The stages of layers applied one after the other (nested Sequentials are read in place).</summary>
    public static List<Stage> Sequence(IEnumerable<Module> layers)
    {
        var stages = ReadAll(layers);
        // A model that starts with a Linear layer reads the image flattened (as the lab's linear models and MLP do in their forward).
        if (stages.FirstOrDefault() is AffineStage { IsConv: false }) stages.Insert(0, new ReshapeStage("flatten", a => a.flatten(1)));
        return stages;
    }

    static List<Stage> ReadAll(IEnumerable<Module> layers) => Fold(layers.SelectMany(Expand).SelectMany(ReadLayers).ToList());

    /// <summary>The stages of one layer: most are one stage (or none, in eval mode); a fused layer is the stages it fuses.</summary>
    static IEnumerable<Stage> ReadLayers(Module m) => m switch
    {
        // The speed run's block: max-pool 2x2, then its convolution's bias, then ReLU (the order it computes them in).
        PoolBiasRelu block => [new MaxPoolStage([2, 2], [2, 2], [0, 0], [1, 1]), new ConstantAffineStage("Add", block.Bias.detach().view(-1, 1, 1)), new ReluStage()],
        _ => ReadLayer(m) is { } stage ? [stage] : [],
    };

    /// <summary>An imported nn.Sequential: the reshape to its input, its input normalisation, then its layers.</summary>
    static List<Stage> Imported(Import.SequentialModel model)
    {
        var arch = model.Spec.Architecture;
        long[] shape = [-1, .. arch.Input];
        var stages = new List<Stage> { new ReshapeStage($"view {string.Join("x", arch.Input)}", a => a.reshape(shape)) };
        if (arch.Normalize is { } n) stages.Add(new NormalizeStage(n.Mean, n.Std));
        stages.AddRange(Sequence(model.Layers));
        return stages;
    }

    /// <summary>
    /// An ONNX graph whose nodes form a chain, each reading the output of the one before it (the graph's input for the
    /// first) and none combining two computed values: the reshape to its input, then its nodes' layers in order.
    /// </summary>
    static List<Stage> OnnxChain(Import.OnnxGraphModel model)
    {
        var spec = model.Spec;
        string previous = spec.InputName;
        var layers = new List<Module>();
        for (int i = 0; i < spec.Nodes.Count; i++)
        {
            var node = spec.Nodes[i];
            if (node.Layer is null)
                throw new MnistLabException($"the ONNX graph is not a chain of layers: node '{node.Name}' ({node.Op}) combines {node.Inputs.Length} computed values.");
            if (node.Inputs[0] != previous)
                throw new MnistLabException($"the ONNX graph is not a chain of layers: node '{node.Name}' ({node.Op}) reads '{node.Inputs[0]}', not the output of the node before it ('{previous}').");
            layers.Add(model.NodeModule(i));
            previous = node.Output;
        }
        if (previous != spec.OutputName)
            throw new MnistLabException($"the ONNX graph is not a chain of layers: its output '{spec.OutputName}' is not its last node's.");
        long[] shape = [-1, .. spec.InputShape];
        return [new ReshapeStage($"view {string.Join("x", spec.InputShape)}", a => a.reshape(shape)), .. Sequence(layers)];
    }

    /// <summary>A layer as a user knows it: PyTorch's class name (LeakyReLU), not the .NET type behind it (LeakyReLULayer).</summary>
    static string Name(Module m)
    {
        if (m is Import.Layers.SoftmaxModule) return m.GetName(); // one class for Softmax and LogSoftmax, named as PyTorch's
        string name = m.GetType().Name;
        name = name.Contains('`') ? name[..name.IndexOf('`')] : name;
        return name.EndsWith("Layer", StringComparison.Ordinal) && name.Length > 5 ? name[..^5] : name;
    }

    static bool IsStandard(Module m) => m is Sequential || m.GetType().Namespace == "TorchSharp.Modules" || m is SeededDropout or MaxPool2;

    static IEnumerable<Module> Expand(Module m) => m is Sequential s ? s.children().SelectMany(Expand) : [m];

    /// <summary>The one Sequential child of a wrapper module (its other children, if any, are hook points).</summary>
    static Sequential? Unwrapped(Module model)
    {
        var kids = model.children().Where(c => c is not HookPoint).ToList();
        return kids.Count == 1 && kids[0] is Sequential s ? s : null;
    }

    /// <summary>The stage of one layer; null for a layer that is the identity in eval mode.</summary>
    static Stage? ReadLayer(Module m) => m switch
    {
        Linear l => new AffineStage($"linear {l.in_features}→{l.out_features}", Copy(l.weight!), l.bias is null ? null : Copy(l.bias), null),
        Conv2d c when c.padding_mode == TorchSharp.PaddingModes.Zeros && c.padding_type is null =>
            new AffineStage($"conv {c.in_channels}→{c.out_channels} {c.kernel_size[0]}x{c.kernel_size[1]}", Copy(c.weight!), c.bias is null ? null : Copy(c.bias),
                new ConvShape(c.stride, c.padding ?? [0, 0], c.dilation, c.groups)),
        TorchSharp.Modules.ReLU => new ReluStage(),
        TorchSharp.Modules.LeakyReLU l => PiecewiseLinearStage.LeakyRelu(l.negative_slope),
        TorchSharp.Modules.ReLU6 => PiecewiseLinearStage.Clamp("relu6", 0, 6),
        TorchSharp.Modules.Tanh => new SmoothActivationStage("tanh", a => a.tanh()),
        TorchSharp.Modules.Sigmoid => new SmoothActivationStage("sigmoid", a => a.sigmoid()),
        TorchSharp.Modules.GELU => new SmoothActivationStage("gelu", a => functional.gelu(a)),
        TorchSharp.Modules.ELU e => new SmoothActivationStage($"elu {e.alpha:G3}", a => functional.elu(a, e.alpha)),
        TorchSharp.Modules.SiLU => new SmoothActivationStage("silu", a => functional.silu(a)),
        TorchSharp.Modules.Softplus sp => new SmoothActivationStage("softplus", a => functional.softplus(a, sp.beta, sp.threshold)),
        MaxPool2 => new MaxPoolStage([2, 2], [2, 2], [0, 0], [1, 1]),
        MaxPool2d p when !p.ceil_mode => new MaxPoolStage(p.kernel_size, p.stride ?? p.kernel_size, p.padding ?? [0, 0], p.dilation ?? [1, 1]),
        AvgPool2d p when !p.ceil_mode && p.divisor_override is null => new AvgPoolStage(p.kernel_size, p.stride ?? p.kernel_size, p.padding ?? [0, 0], p.count_include_pad),
        AdaptiveAvgPool2d p => new AdaptiveAvgPoolStage(p.output_size),
        TorchSharp.Modules.Softmax or TorchSharp.Modules.LogSoftmax or Import.Layers.SoftmaxModule => throw new MnistLabException(
            $"{Name(m)}: exact Integrated Gradients and LRP explain the scores before the softmax; import the model without its final {Name(m)} (the predictions are the same)."),
        TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d => BatchNormStage.Of((BatchNorm)m),
        Flatten f => new ReshapeStage("flatten", a => a.flatten(f.start_dim, f.end_dim)),
        TorchSharp.Modules.Dropout or TorchSharp.Modules.Dropout2d or SeededDropout or TorchSharp.Modules.Identity or HookPoint => null,
        View v => new ReshapeStage($"view {string.Join("x", v.Shape)}", a => a.reshape([-1, .. v.Shape])),
        IResidualBlock block => new ResidualStage(ReadAll(block.Branch())),
        Import.Layers.ReshapeModule r => new ReshapeStage("reshape", a => r.call(a)),
        Import.Layers.ConstantOpModule c when c.Name is "Add" or "Sub" or "Mul" or "Div" && is_floating_point(c.Value) && !c.ConstantFirst
            => new ConstantAffineStage(c.Name, c.Value),
        Import.Layers.ClipModule clip => PiecewiseLinearStage.Clamp($"clip [{clip.Min:G3}, {clip.Max:G3}]", clip.Min ?? double.NegativeInfinity, clip.Max ?? double.PositiveInfinity),
        _ => throw new MnistLabException(
            $"{Name(m)} is not a layer exact Integrated Gradients and LRP can read (Linear, Conv2d with zero padding, ReLU, LeakyReLU, ReLU6, Tanh, Sigmoid, GELU, ELU, SiLU, Softplus, MaxPool2d, AvgPool2d, BatchNorm1d/2d, Flatten, Dropout)."),
    };

    static Tensor Copy(Tensor t) => t.detach().to_type(ScalarType.Float64).clone();

    /// <summary>Folds each BatchNorm that directly follows a Linear or Conv2d into it; a BatchNorm elsewhere stays a per-channel affine stage.</summary>
    static List<Stage> Fold(IReadOnlyList<Stage> stages)
    {
        var result = new List<Stage>();
        foreach (var s in stages)
        {
            if (s is BatchNormStage bn && result.Count > 0 && result[^1] is AffineStage a)
                result[^1] = a.FoldedWith(bn);
            else result.Add(s);
        }
        return result;
    }
}
