using MnistLab.Common;
using MnistLab.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution;

/// <summary>
/// A model read as the chain of piecewise-linear layers it computes (Linear, Conv2d, ReLU, max- and average-pooling,
/// BatchNorm in eval, Flatten, Dropout in eval, and residual sums x + F(x)), with every BatchNorm that follows a Linear or
/// Conv2d folded into it. Exact Integrated Gradients walks it along the straight path; LRP propagates relevance through
/// it layer by layer. It is read from a <c>Sequential</c> of standard TorchSharp modules (so any model built that way
/// works), from a module whose only child is one, or from the lab's LinearClassifier, Mlp, LocalLayer and RotResNet.
/// Parameters are copied in float64 when the graph is built; it computes in the dtype of its input.
/// </summary>
public sealed class LayerGraph
{
    internal IReadOnlyList<Stage> Stages { get; }

    LayerGraph(IReadOnlyList<Stage> stages)
    {
        Stages = stages;
        var first = Flatten(stages).OfType<AffineStage>().FirstOrDefault();
        if (first is not null) first.IsFirst = true;
    }

    /// <summary>The layers in order, for reports and errors: <c>flatten → linear 784→256 → relu → linear 256→10</c>.</summary>
    public string Describe() => string.Join(" → ", Stages.Select(s => s.Describe()));

    /// <summary>The graph of <paramref name="model"/>, or an error naming what cannot be read.</summary>
    public static LayerGraph Of(Module<Tensor, Tensor> model)
    {
        var children = model.named_children().ToDictionary(c => c.name, c => c.module);
        Module Child(string name) => children[name];
        return model switch
        {
            LinearClassifier => new([new ReshapeStage("flatten", a => a.flatten(1)), Affine(Child("fc"))]),
            LocalLayer => new([new ReshapeStage("flatten", a => a.flatten(1)), Affine(Child("linear"))]),
            Mlp => new([new ReshapeStage("flatten", a => a.flatten(1)), Affine(Child("fc1")), new ReluStage(), Affine(Child("fc2"))]),
            RotResNet => new(Fold(
            [
                new ReshapeStage("view 1x28x28", a => a.reshape(-1, 1, 28, 28)),
                Block(Child("res1")), Block(Child("res2")), Must(Child("max_pool")), new IdentityStage("dropout"),
                Block(Child("res3")), Block(Child("res4")), Must(Child("max_pool")), new IdentityStage("dropout"),
                Block(Child("res5")), Block(Child("res6")), Must(Child("bn2d")), new ReluStage(), Must(Child("flatten")),
                Must(Child("fc1")), Must(Child("bn1d")), new ReluStage(), Must(Child("fc2")),
            ])),
            Import.SequentialModel imported => Imported(imported),
            Sequential seq => FromSequence(seq.children()),
            _ when Unwrapped(model) is { } inner => FromSequence(inner.children()),
            // A module whose children are all standard layers is read in the order they were registered; the
            // reproduction check refuses it if its forward pass does anything else.
            _ when model.children().Where(c => c is not HookPoint).ToList() is { Count: > 0 } kids && kids.All(IsStandard) => FromSequence(kids),
            _ => throw new MnistLabException(
                $"{model.GetType().Name} is not a plain sequence of layers: exact Integrated Gradients and LRP read Sequential models of Linear, Conv2d, " +
                "ReLU, MaxPool2d, AvgPool2d, BatchNorm, Flatten and Dropout layers (or a module whose only child is one), and the lab's linear, MLP and ResNet models."),
        };
    }

    /// <summary>The graph of layers applied one after the other (nested Sequentials are read in place).</summary>
    public static LayerGraph FromSequence(IEnumerable<Module> layers)
    {
        var stages = Fold(layers.SelectMany(Expand).Select(Read).Where(s => s is not null).ToList()!);
        // A model that starts with a Linear layer reads the image flattened (as the lab's MLP does in its forward).
        if (stages.FirstOrDefault() is AffineStage { IsConv: false }) stages.Insert(0, new ReshapeStage("flatten", a => a.flatten(1)));
        return new(stages);
    }

    /// <summary>An imported nn.Sequential: the reshape to its input, its input normalisation, then its layers.</summary>
    static LayerGraph Imported(Import.SequentialModel model)
    {
        var arch = model.Spec.Architecture;
        long[] shape = [-1, .. arch.Input];
        var stages = new List<Stage> { new ReshapeStage($"view {string.Join("x", arch.Input)}", a => a.reshape(shape)) };
        if (arch.Normalize is { } n) stages.Add(new NormalizeStage(n.Mean, n.Std));
        stages.AddRange(FromSequence(model.Layers).Stages);
        return new(stages);
    }

    static bool IsStandard(Module m) => m is Sequential || m.GetType().Namespace == "TorchSharp.Modules" || m is SeededDropout;

    static IEnumerable<Module> Expand(Module m) => m is Sequential s ? s.children().SelectMany(Expand) : [m];

    /// <summary>The one Sequential child of a wrapper module (its other children, if any, are hook points).</summary>
    static Sequential? Unwrapped(Module model)
    {
        var kids = model.children().Where(c => c is not HookPoint).ToList();
        return kids.Count == 1 && kids[0] is Sequential s ? s : null;
    }

    static Stage Block(Module block)
    {
        if (block is not ResBlock) throw new MnistLabException($"expected a residual block, got {block.GetType().Name}.");
        var c = block.named_children().ToDictionary(x => x.name, x => x.module);
        return new ResidualStage(Fold([Read(c["conv1"])!, Read(c["bn"])!, new ReluStage(), Read(c["conv2"])!]));
    }

    static AffineStage Affine(Module m) => (AffineStage)Read(m)!;

    static Stage Must(Module m) => Read(m) ?? new IdentityStage(m.GetType().Name);

    /// <summary>The stage of one standard layer; null for a layer that is the identity in eval mode.</summary>
    static Stage? Read(Module m) => m switch
    {
        Linear l => new AffineStage($"linear {l.in_features}→{l.out_features}", Copy(l.weight!), l.bias is null ? null : Copy(l.bias), null),
        Conv2d c when c.padding_mode == TorchSharp.PaddingModes.Zeros && c.padding_type is null =>
            new AffineStage($"conv {c.in_channels}→{c.out_channels} {c.kernel_size[0]}x{c.kernel_size[1]}", Copy(c.weight!), c.bias is null ? null : Copy(c.bias),
                new ConvShape(c.stride, c.padding ?? [0, 0], c.dilation, c.groups)),
        TorchSharp.Modules.ReLU => new ReluStage(),
        MaxPool2d p when !p.ceil_mode => new MaxPoolStage(p.kernel_size, p.stride ?? p.kernel_size, p.padding ?? [0, 0], p.dilation ?? [1, 1]),
        AvgPool2d p when !p.ceil_mode && p.divisor_override is null => new AvgPoolStage(p.kernel_size, p.stride ?? p.kernel_size, p.padding ?? [0, 0], p.count_include_pad),
        TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d => BatchNormStage.Of((BatchNorm)m),
        Flatten f => new ReshapeStage("flatten", a => a.flatten(f.start_dim, f.end_dim)),
        TorchSharp.Modules.Dropout or TorchSharp.Modules.Dropout2d or SeededDropout or TorchSharp.Modules.Identity or HookPoint => null,
        Import.Layers.ReshapeModule r => new ReshapeStage("reshape", a => r.call(a)),
        _ => throw new MnistLabException(
            $"{m.GetType().Name} is not a layer exact Integrated Gradients and LRP can read (Linear, Conv2d with zero padding, ReLU, MaxPool2d, AvgPool2d, BatchNorm1d/2d, Flatten, Dropout)."),
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

    static IEnumerable<Stage> Flatten(IEnumerable<Stage> stages) => stages.SelectMany(s => s is ResidualStage r ? Flatten(r.Branch) : [s]);

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

    /// <summary>
    /// The linear pieces of the straight path b + α(x − b), α in [0, 1], for each example: the points where some ReLU or
    /// max-pool changes its pattern. Returns each example's breakpoints 0 = α₀ &lt; α₁ &lt; … &lt; α_m = 1. Pieces shorter than
    /// <paramref name="minStep"/> are merged into the next (their contribution is below float64 resolution).
    /// </summary>
    internal List<double>[] Breakpoints(Tensor x, Tensor b, int maxPieces, double minStep = 1e-12)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        x = x.to_type(ScalarType.Float64);
        b = b.to_type(ScalarType.Float64);
        int n = (int)x.shape[0];
        var points = Enumerable.Range(0, n).Select(_ => new List<double> { 0 }).ToArray();
        var alpha = new double[n];
        var active = Enumerable.Range(0, n).ToList();
        int iterations = 0;
        while (active.Count > 0)
        {
            using var step = NewDisposeScope();
            var idx = tensor(active.Select(i => (long)i).ToArray());
            var xa = x.index_select(0, idx);
            var ba = b.index_select(0, idx);
            var unit = Enumerable.Repeat(1L, (int)x.dim() - 1).ToArray();
            var a = tensor(active.Select(i => alpha[i]).ToArray()).view([active.Count, .. unit]);
            var t = xa - ba;
            var v = ba + a * t;
            var steps = new StepTracker(active.Count);
            foreach (var s in Stages) (v, t) = s.Walk(v, t, steps);
            var d = steps.Min.data<double>().ToArray();
            var next = new List<int>();
            for (int k = 0; k < active.Count; k++)
            {
                int i = active[k];
                double to = Math.Min(1, alpha[i] + Math.Max(d[k], minStep));
                alpha[i] = to;
                points[i].Add(to);
                if (to < 1) next.Add(i);
                if (points[i].Count > maxPieces + 1)
                    throw new MnistLabException($"example {i}: more than {maxPieces} linear pieces along the path; exact Integrated Gradients would take too long here: use ig with more steps, or raise the limit.");
            }
            active = next;
            iterations++;
            // A deep network can have tens of thousands of pieces per path: project from the slowest path's progress and
            // refuse early rather than walk for hours.
            if (iterations >= 32 && active.Count > 0 && iterations / Math.Max(active.Min(i => alpha[i]), 1e-9) > 2.0 * maxPieces)
                throw new MnistLabException($"after {iterations} pieces the slowest path is at α = {active.Min(i => alpha[i]):G3}: about " +
                    $"{iterations / Math.Max(active.Min(i => alpha[i]), 1e-9):G2} linear pieces expected, more than the limit of {maxPieces}; exact Integrated Gradients " +
                    "would take too long for this model: use ig with more steps, or raise the limit.");
        }
        return points;
    }

    /// <summary>
    /// LRP relevance of the inputs for the targets, starting from R = f_t(x) at the target output (Captum's convention)
    /// and applying the composite's rule at each layer.
    /// </summary>
    internal Tensor Relevance(Tensor x, long[] targets, LrpComposite composite)
    {
        // The box of the first layer bounds the pixels; after an input normalisation the layer sees them normalised.
        if (composite.First is LrpRule.ZBox box && Stages.OfType<NormalizeStage>().FirstOrDefault() is { Scalar: (double mean, double std) })
            composite = composite with { First = new LrpRule.ZBox((box.Low - mean) / std, (box.High - mean) / std) };
        var inputs = new List<Tensor>();
        var a = x;
        using (no_grad())
            foreach (var s in Stages) { inputs.Add(a); a = s.Forward(a); }
        var idx = tensor(targets).view(-1, 1);
        var r = zeros_like(a).scatter(1, idx, a.gather(1, idx));
        for (int k = Stages.Count - 1; k >= 0; k--) r = Stages[k].Relevance(inputs[k], r, composite);
        return r;
    }
}

/// <summary>The smallest per-example step to the next pattern change seen so far in a walk.</summary>
sealed class StepTracker(int n)
{
    public Tensor Min { get; private set; } = full(n, double.PositiveInfinity, dtype: ScalarType.Float64);

    /// <summary>Takes per-element distances (B, ...) (infinity where no change lies ahead) into the per-example minimum.</summary>
    public void Add(Tensor distances) => Min = minimum(Min, distances.reshape(distances.shape[0], -1).min(1).values);
}

/// <summary>One layer of a <see cref="LayerGraph"/>.</summary>
abstract class Stage
{
    public abstract string Describe();
    public abstract Tensor Forward(Tensor a);

    /// <summary>The value and tangent (d/dα) of the output on the current linear piece; records the distance to this layer's next pattern change.</summary>
    public abstract (Tensor V, Tensor T) Walk(Tensor v, Tensor t, StepTracker steps);

    /// <summary>The relevance of this layer's input <paramref name="a"/> given that of its output <paramref name="r"/>.</summary>
    public abstract Tensor Relevance(Tensor a, Tensor r, LrpComposite composite);

    protected static Tensor Cast(Tensor p, Tensor like) => p.dtype == like.dtype ? p : p.to_type(like.dtype);
}

sealed record ConvShape(long[] Stride, long[] Padding, long[] Dilation, long Groups);

/// <summary>Linear or Conv2d: z = W a + b.</summary>
sealed class AffineStage(string name, Tensor weight, Tensor? bias, ConvShape? conv) : Stage
{
    public Tensor Weight { get; } = weight;
    public Tensor? Bias { get; } = bias;
    public bool IsConv => conv is not null;
    public bool IsFirst { get; set; }

    public override string Describe() => name;

    public Tensor Apply(Tensor a, Tensor w, Tensor? b) => conv is null
        ? functional.linear(a, Cast(w, a), b is null ? null : Cast(b, a))
        : functional.conv2d(a, Cast(w, a), b is null ? null : Cast(b, a), conv.Stride, conv.Padding, conv.Dilation, conv.Groups);

    /// <summary>Wᵀ s for the layer's input shape: the gradient of W a with respect to a, given the output gradient s.</summary>
    public Tensor Transpose(Tensor s, Tensor w, long[] inputShape)
    {
        if (conv is null) return s.matmul(Cast(w, s));
        using var _ = enable_grad();
        var leaf = zeros(inputShape, dtype: s.dtype).requires_grad_(true);
        return autograd.grad([Apply(leaf, w, null)], [leaf], [s])[0].detach();
    }

    public override Tensor Forward(Tensor a) => Apply(a, Weight, Bias);

    public override (Tensor V, Tensor T) Walk(Tensor v, Tensor t, StepTracker steps) => (Apply(v, Weight, Bias), Apply(t, Weight, null));

    public override Tensor Relevance(Tensor a, Tensor r, LrpComposite composite) => composite.RuleFor(this).Apply(this, a, r);

    /// <summary>This layer followed by a BatchNorm in eval mode, as one layer: W' = diag(s) W, b' = s (b − μ) + β with s = γ / √(σ² + ε).</summary>
    public AffineStage FoldedWith(BatchNormStage bn)
    {
        var shape = Enumerable.Repeat(1L, (int)Weight.dim()).ToArray();
        shape[0] = -1;
        var w = Weight * bn.Scale.view(shape);
        var b = (Bias ?? zeros(Weight.shape[0], dtype: ScalarType.Float64)) * bn.Scale + bn.Shift;
        return new AffineStage($"{name} + batchnorm (folded)", w, b, conv);
    }
}

/// <summary>BatchNorm in eval mode: a per-channel affine map a·s + c. Where it follows no Linear or Conv2d (after a residual sum), LRP treats it as a diagonal layer with the ε rule.</summary>
sealed class BatchNormStage(Tensor scale, Tensor shift) : Stage
{
    public Tensor Scale { get; } = scale;
    public Tensor Shift { get; } = shift;

    public static BatchNormStage Of(BatchNorm bn)
    {
        if (bn.running_mean is null || bn.running_var is null) throw new MnistLabException("a BatchNorm without running statistics cannot be read in eval mode.");
        var mean = bn.running_mean.detach().to_type(ScalarType.Float64);
        var std = (bn.running_var.detach().to_type(ScalarType.Float64) + bn.eps).sqrt();
        var gamma = bn.weight is null ? ones_like(mean) : bn.weight.detach().to_type(ScalarType.Float64);
        var beta = bn.bias is null ? zeros_like(mean) : bn.bias.detach().to_type(ScalarType.Float64);
        var scale = gamma / std;
        return new BatchNormStage(scale.clone(), (beta - mean * scale).clone());
    }

    Tensor View(Tensor p, Tensor a) => Cast(p, a).view(a.dim() == 4 ? [1, -1, 1, 1] : [1, -1]);

    public override string Describe() => "batchnorm";
    public override Tensor Forward(Tensor a) => a * View(Scale, a) + View(Shift, a);
    public override (Tensor V, Tensor T) Walk(Tensor v, Tensor t, StepTracker steps) => (Forward(v), t * View(Scale, t));

    public override Tensor Relevance(Tensor a, Tensor r, LrpComposite composite)
    {
        var z = Forward(a);
        return a * View(Scale, a) * LrpRule.Divide(r, z, composite.Epsilon);
    }
}

/// <summary>An imported model's input normalisation (x − mean) / std per channel: affine; LRP passes relevance through it unchanged.</summary>
sealed class NormalizeStage(double[] mean, double[] std) : Stage
{
    readonly Tensor _scale = tensor(std.Select(s => 1 / s).ToArray()), _shift = tensor(mean.Zip(std, (m, s) => -m / s).ToArray());

    /// <summary>(mean, std) when one pair serves every channel.</summary>
    public (double, double)? Scalar => mean.Length == 1 ? (mean[0], std[0]) : null;

    Tensor View(Tensor p, Tensor a) => Cast(p, a).view(a.dim() == 4 ? [1, -1, 1, 1] : a.dim() == 3 ? [-1, 1, 1] : [1, -1]);

    public override string Describe() => "normalize";
    public override Tensor Forward(Tensor a) => a * View(_scale, a) + View(_shift, a);
    public override (Tensor V, Tensor T) Walk(Tensor v, Tensor t, StepTracker steps) => (Forward(v), t * View(_scale, t));
    public override Tensor Relevance(Tensor a, Tensor r, LrpComposite composite) => r;
}

sealed class ReluStage : Stage
{
    public override string Describe() => "relu";
    public override Tensor Forward(Tensor a) => functional.relu(a);

    public override (Tensor V, Tensor T) Walk(Tensor v, Tensor t, StepTracker steps)
    {
        var on = (v > 0).logical_or(v.eq(0).logical_and(t > 0));
        var crossing = (v > 0).logical_and(t < 0).logical_or((v < 0).logical_and(t > 0));
        steps.Add(where(crossing, -v / t, double.PositiveInfinity));
        return (functional.relu(v), t * on.to_type(t.dtype));
    }

    public override Tensor Relevance(Tensor a, Tensor r, LrpComposite composite) => r; // Zennit's Pass rule
}

sealed class IdentityStage(string name) : Stage
{
    public override string Describe() => name;
    public override Tensor Forward(Tensor a) => a;
    public override (Tensor V, Tensor T) Walk(Tensor v, Tensor t, StepTracker steps) => (v, t);
    public override Tensor Relevance(Tensor a, Tensor r, LrpComposite composite) => r;
}

sealed class ReshapeStage(string name, Func<Tensor, Tensor> reshape) : Stage
{
    public override string Describe() => name;
    public override Tensor Forward(Tensor a) => reshape(a);
    public override (Tensor V, Tensor T) Walk(Tensor v, Tensor t, StepTracker steps) => (reshape(v), reshape(t));
    public override Tensor Relevance(Tensor a, Tensor r, LrpComposite composite) => r.reshape(a.shape);
}

/// <summary>Max-pooling: on a linear piece each window passes its winner; the pattern changes where another element overtakes it.</summary>
sealed class MaxPoolStage(long[] kernel, long[] stride, long[] padding, long[] dilation) : Stage
{
    public override string Describe() => $"maxpool {kernel[0]}x{kernel[1]}";
    public override Tensor Forward(Tensor a) => functional.max_pool2d(a, kernel, stride, padding, dilation);

    public override (Tensor V, Tensor T) Walk(Tensor v, Tensor t, StepTracker steps)
    {
        long b = v.shape[0], c = v.shape[1], h = v.shape[2], w = v.shape[3];
        long ho = (h + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1;
        long wo = (w + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) / stride[1] + 1;
        Tensor Windows(Tensor x, double pad) =>
            functional.unfold(functional.pad(x.reshape(b * c, 1, h, w), [padding[1], padding[1], padding[0], padding[0]], value: pad), (kernel[0], kernel[1]), (dilation[0], dilation[1]), (0L, 0L), (stride[0], stride[1])); // (B·C, k·k, L)
        var u = Windows(v, double.NegativeInfinity);
        var tu = Windows(t, 0);
        var vm = u.max(1, keepdim: true).values;
        var tm = where(u.eq(vm), tu, double.NegativeInfinity).max(1, keepdim: true).values; // ties go to the one rising fastest
        var overtakes = (tu > tm).logical_and(u < vm);
        steps.Add(where(overtakes, (vm - u) / (tu - tm), double.PositiveInfinity).reshape(b, -1));
        return (vm.reshape(b, c, ho, wo), tm.reshape(b, c, ho, wo));
    }

    /// <summary>Relevance goes to each window's winner (the gradient of the max), as Zennit leaves max-pooling to the gradient.</summary>
    public override Tensor Relevance(Tensor a, Tensor r, LrpComposite composite)
    {
        using var _ = enable_grad();
        var leaf = a.detach().requires_grad_(true);
        return autograd.grad([Forward(leaf)], [leaf], [r])[0].detach();
    }
}

/// <summary>Average pooling: linear; LRP shares relevance in proportion to the contributions (Zennit's Norm rule).</summary>
sealed class AvgPoolStage(long[] kernel, long[] stride, long[] padding, bool countIncludePad) : Stage
{
    public override string Describe() => $"avgpool {kernel[0]}x{kernel[1]}";
    public override Tensor Forward(Tensor a) => functional.avg_pool2d(a, kernel, stride, padding, false, countIncludePad);
    public override (Tensor V, Tensor T) Walk(Tensor v, Tensor t, StepTracker steps) => (Forward(v), Forward(t));

    public override Tensor Relevance(Tensor a, Tensor r, LrpComposite composite)
    {
        using var _ = enable_grad();
        var leaf = a.detach().requires_grad_(true);
        var z = Forward(leaf);
        var s = LrpRule.Divide(r, z.detach(), LrpRule.Stabilizer);
        return a * autograd.grad([z], [leaf], [s])[0].detach();
    }
}

/// <summary>
/// A residual block x + F(x) (the skip broadcast over channels when x has one, as in the seed's first block). LRP splits
/// the relevance of the sum between the skip and the branch in proportion to their contributions (Zennit's Norm rule for sums).
/// </summary>
sealed class ResidualStage(IReadOnlyList<Stage> branch) : Stage
{
    public IReadOnlyList<Stage> Branch { get; } = branch;

    public override string Describe() => $"residual(x + {string.Join(" → ", Branch.Select(s => s.Describe()))})";
    public override Tensor Forward(Tensor a) => a + Branch.Aggregate(a, (x, s) => s.Forward(x));

    public override (Tensor V, Tensor T) Walk(Tensor v, Tensor t, StepTracker steps)
    {
        var (bv, bt) = (v, t);
        foreach (var s in Branch) (bv, bt) = s.Walk(bv, bt, steps);
        return (v + bv, t + bt);
    }

    public override Tensor Relevance(Tensor a, Tensor r, LrpComposite composite)
    {
        var inputs = new List<Tensor>();
        var x = a;
        using (no_grad())
            foreach (var s in Branch) { inputs.Add(x); x = s.Forward(x); }
        var skip = a.expand_as(x);
        var share = LrpRule.Divide(r, skip + x, LrpRule.Stabilizer);
        var rSkip = skip * share;
        if (!a.shape.SequenceEqual(x.shape)) rSkip = rSkip.sum(1, keepdim: true); // the broadcast skip of a one-channel input
        var rb = x * share;
        for (int k = Branch.Count - 1; k >= 0; k--) rb = Branch[k].Relevance(inputs[k], rb, composite);
        return rSkip + rb;
    }
}
