using System.Diagnostics;
using MnistLab.Attribution.Graph;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

/// <summary>
/// How LRP passes relevance back through each stage of a <see cref="LayerGraph"/>, as Zennit does: the composite's rule at
/// a Linear or Conv2d (<see cref="LrpRule"/>), the ε rule at a BatchNorm that follows neither, Pass at every element-wise
/// activation (ReLU, LeakyReLU, ReLU6, Tanh, Sigmoid, GELU, ...) and at the input normalisation, the gradient at max-pooling, and shares in proportion to the contributions (Norm) at average pooling
/// and residual sums.
/// </summary>
static class LrpPropagation
{
    /// <summary>
    /// LRP relevance of the inputs for the targets, starting from R = f_t(x) at the target output (Captum's convention)
    /// and applying the composite's rule at each layer.
    /// </summary>
    internal static Tensor Relevance(LayerGraph graph, Tensor x, long[] targets, LrpComposite composite)
    {
        var stages = graph.Stages;
        // The box of the first layer bounds the pixels; after an input normalisation the layer sees them normalised.
        if (composite.First is LrpRule.ZBox box && Normalised(stages, box.Low, box.High) is { } bounds)
            composite = composite with { First = new LrpRule.ZBox(bounds.Low, bounds.High) };
        var inputs = new List<Tensor>();
        var a = x;
        using (no_grad())
            foreach (var s in stages) { inputs.Add(a); a = s.Forward(a); }
        var idx = tensor(targets).view(-1, 1);
        var r = zeros_like(a).scatter(1, idx, a.gather(1, idx));
        for (int k = stages.Count - 1; k >= 0; k--) r = Relevance(stages[k], inputs[k], r, composite);
        return r;
    }

    /// <summary>
    /// The pixel bounds as the first Linear or Conv2d sees them, carried through the reshapes and one-number normalisations
    /// before it (an architecture's normalize, an ONNX graph's Sub and Div); null when nothing before it moves them.
    /// </summary>
    static (double Low, double High)? Normalised(IReadOnlyList<Stage> stages, double low, double high)
    {
        bool moved = false;
        foreach (var stage in stages)
        {
            switch (stage)
            {
                case ReshapeStage: continue;
                case NormalizeStage { Scalar: (double mean, double std) }:
                    (low, high) = ((low - mean) / std, (high - mean) / std);
                    break;
                case ConstantAffineStage c when c.ApplyScalar(low) is { } l && c.ApplyScalar(high) is { } h:
                    (low, high) = (Math.Min(l, h), Math.Max(l, h));
                    break;
                default:
                    return moved ? (low, high) : null;
            }
            moved = true;
        }
        return moved ? (low, high) : null;
    }

    /// <summary>The relevance of the stage's input <paramref name="a"/> given that of its output <paramref name="r"/>.</summary>
    static Tensor Relevance(Stage stage, Tensor a, Tensor r, LrpComposite composite) => stage switch
    {
        AffineStage l => composite.RuleFor(l).Apply(l, a, r),
        // After a residual sum a BatchNorm has no layer to fold into: a diagonal layer under the ε rule.
        BatchNormStage bn => bn.Linear(a) * LrpRule.Divide(r, bn.Forward(a), composite.Epsilon),
        NormalizeStage or ConstantAffineStage or ReluStage or PiecewiseLinearStage or SmoothActivationStage => r,
        ReshapeStage => r.reshape(a.shape),
        MaxPoolStage => ToWinners(stage, a, r),
        AvgPoolStage or AdaptiveAvgPoolStage => InProportion(stage, a, r),
        ResidualStage res => Residual(res, a, r, composite),
        _ => throw new UnreachableException($"LRP has no rule for a {stage.GetType().Name}."),
    };

    /// <summary>Relevance goes to each window's winner (the gradient of the max), as Zennit leaves max-pooling to the gradient.</summary>
    static Tensor ToWinners(Stage pool, Tensor a, Tensor r)
    {
        using var _ = enable_grad();
        var leaf = a.detach().requires_grad_(true);
        return autograd.grad([pool.Forward(leaf)], [leaf], [r])[0].detach();
    }

    /// <summary>Each output's relevance shared among its inputs in proportion to their contributions (Zennit's Norm rule).</summary>
    static Tensor InProportion(Stage pool, Tensor a, Tensor r)
    {
        using var _ = enable_grad();
        var leaf = a.detach().requires_grad_(true);
        var z = pool.Forward(leaf);
        var s = LrpRule.Divide(r, z.detach(), LrpRule.Stabilizer);
        return a * autograd.grad([z], [leaf], [s])[0].detach();
    }

    /// <summary>The relevance of the sum split between the skip and the branch in proportion to their contributions (Zennit's Norm rule for sums).</summary>
    static Tensor Residual(ResidualStage res, Tensor a, Tensor r, LrpComposite composite)
    {
        var branch = res.Branch;
        var inputs = new List<Tensor>();
        var x = a;
        using (no_grad())
            foreach (var s in branch) { inputs.Add(x); x = s.Forward(x); }
        var skip = a.expand_as(x);
        var share = LrpRule.Divide(r, skip + x, LrpRule.Stabilizer);
        var rSkip = skip * share;
        if (!a.shape.SequenceEqual(x.shape)) rSkip = rSkip.sum(1, keepdim: true); // the broadcast skip of a one-channel input
        var rb = x * share;
        for (int k = branch.Count - 1; k >= 0; k--) rb = Relevance(branch[k], inputs[k], rb, composite);
        return rSkip + rb;
    }
}
