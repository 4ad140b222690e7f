using MnistLab.Attribution;
using MnistLab.Attribution.Graph;
using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Verification;

/// <summary>The certified lower bound of each margin logit_label − logit_other over an input set (the label's own entry is +∞).</summary>
public sealed record MarginBounds(int Label, double[] Lower)
{
    /// <summary>The smallest margin bound: the input set is proved to keep the label when it is above 0.</summary>
    public double Min => Lower.Where((_, j) => j != Label).Min();
}

/// <summary>
/// A model read as the same chain of stages exact Integrated Gradients and LRP walk (<see cref="LayerGraph"/>), with the
/// bounds its outputs can take over an input set: interval bound propagation, or CROWN's backward linear relaxation, in
/// float64. It reads Linear, Conv2d, input normalisation, BatchNorm in eval, ReLU, LeakyReLU (slope in [0, 1]), max- and
/// average pooling, Flatten and reshapes; any other stage is refused by name before any bound is computed.
/// </summary>
public sealed class BoundGraph
{
    /// <summary>CROWN keeps each working matrix of the backward pass under about this many float64 values (128 MB).</summary>
    const long WorkingValues = 1L << 24;

    /// <summary>α-CROWN's Adam steps on the slopes and their learning rate (auto_LiRPA's defaults for its optimised bounds).</summary>
    const int AlphaSteps = 20;
    const double AlphaLearningRate = 0.1;

    internal IReadOnlyList<Stage> Stages { get; }
    public LayerGraph Layers { get; }

    /// <summary>The relaxation of each activation.</summary>
    internal Func<Stage, Interval, ActivationRelaxation> Relax { get; private init; } = ActivationRelaxation.Of;

    /// <summary>This graph with another relaxation of its activations: tests give it a deliberately wrong one to see that the soundness check catches it.</summary>
    internal BoundGraph WithRelaxation(Func<Stage, Interval, ActivationRelaxation> relax) => new(Layers) { Relax = relax };

    BoundGraph(LayerGraph layers)
    {
        Layers = layers;
        Stages = layers.Stages;
        foreach (var s in Stages)
            if (!Supported(s))
                throw new MnistLabException($"{s.Describe()}: certified bounds are propagated through Linear, Conv2d, input normalisation, BatchNorm, ReLU, " +
                    $"LeakyReLU with a slope in [0, 1], max- and average pooling, Flatten and reshapes; this model's layers are {layers.Describe()}.");
    }

    /// <summary>The bound graph of <paramref name="model"/>, or an error naming the layer that cannot be bounded.</summary>
    public static BoundGraph Of(Module<Tensor, Tensor> model) => new(LayerGraph.Of(model));

    public static BoundGraph Of(LayerGraph layers) => new(layers);

    public string Describe() => Layers.Describe();

    static bool Supported(Stage s) => s switch
    {
        AffineStage or ReluStage or MaxPoolStage or AvgPoolStage or AdaptiveAvgPoolStage or ReshapeStage or NormalizeStage or BatchNormStage => true,
        ConstantAffineStage => true,
        PiecewiseLinearStage p => p.Low == 0 && double.IsPositiveInfinity(p.High) && p.SlopeAbove == 1 && p.SlopeBelow is >= 0 and <= 1,
        _ => false,
    };

    static bool IsNonlinear(Stage s) => s is ReluStage or PiecewiseLinearStage or MaxPoolStage;

    /// <summary>
    /// Lower bounds of spec·output over <paramref name="input"/>, one per row of <paramref name="spec"/> (S, outputs).
    /// CROWN carries the rows themselves back to the input, so a margin is bounded as one linear function (not as the
    /// difference of two separately bounded logits). IBP propagates boxes up to the last nonlinear stage and bounds the
    /// rows through the affine stages after it exactly (the specification folded into the last layer).
    /// </summary>
    public double[] LowerBounds(Interval input, Tensor spec, BoundMethod method)
    {
        using var scope = NewDisposeScope();
        return [.. Bound(input, method, shape =>
        {
            long outputs = shape.Aggregate(1L, (a, b) => a * b);
            if (spec.dim() != 2 || spec.shape[1] != outputs)
                throw new ArgumentException($"a specification has one row of {outputs} coefficients per bound, got ({string.Join(", ", spec.shape)}).");
            return spec;
        }).data<double>()];
    }

    /// <summary>Lower and upper bounds of every output over <paramref name="input"/>, as (1, outputs) tensors.</summary>
    public Interval OutputBounds(Interval input, BoundMethod method)
    {
        using var scope = NewDisposeScope();
        long[] shape = [];
        long n = 0;
        var bounds = Bound(input, method, outputShape =>
        {
            shape = outputShape;
            n = outputShape.Aggregate(1L, (a, b) => a * b);
            var eye = TorchSharp.torch.eye(n, dtype: ScalarType.Float64);
            return cat([eye, -eye], 0);
        });
        return new Interval(bounds.narrow(0, 0, n).reshape(shape), (-bounds.narrow(0, n, n)).reshape(shape)).Keep();
    }

    /// <summary>The certified lower bound of logit_label − logit_j for every other class j (as many classes as the model has outputs).</summary>
    public MarginBounds Margins(Interval input, int label, BoundMethod method)
    {
        using var scope = NewDisposeScope();
        int classes = 0;
        var lower = Bound(input, method, shape =>
        {
            classes = (int)shape.Aggregate(1L, (a, b) => a * b);
            return MarginSpec(label, classes);
        }).data<double>().ToArray();
        var all = new double[classes];
        for (int j = 0, row = 0; j < classes; j++) all[j] = j == label ? double.PositiveInfinity : lower[row++];
        return new MarginBounds(label, all);
    }

    /// <summary>
    /// CROWN's linear lower bound of each row of <paramref name="spec"/> (S, outputs) as a function of the input: spec·output ≥
    /// Coefficients·x + Offset for every x in <paramref name="input"/> (Coefficients (S, input shape), Offset (S)), whose minimum
    /// over the box is CROWN's bound. How each input's freedom lowers that minimum is read off the coefficients.
    /// </summary>
    public (Tensor Coefficients, Tensor Offset) LinearLowerBound(Interval input, Tensor spec)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var threads = TorchSetup.OneLibtorchThread();
        var (records, output) = Forward(input, BoundMethod.Crown);
        var (lambda, offset, _) = Back(records, spec.to_type(ScalarType.Float64).reshape([spec.shape[0], .. output.Lower.shape[1..]]));
        return (lambda.MoveToOuterDisposeScope(), offset.MoveToOuterDisposeScope());
    }

    /// <summary>Lower bounds of spec·output, the specification (S, outputs) made by <paramref name="spec"/> from the output's shape (1, ...).</summary>
    Tensor Bound(Interval input, BoundMethod method, Func<long[], Tensor> spec)
    {
        using var _ = no_grad();
        // Many small products: a second libtorch thread only waits for the first on a busy machine (α-CROWN's steps 10x).
        using var threads = TorchSetup.OneLibtorchThread();
        var (records, output) = Forward(input, method);
        var rows = spec(output.Lower.shape).to_type(ScalarType.Float64);
        var lambda = rows.reshape([rows.shape[0], .. output.Lower.shape[1..]]);
        return method is BoundMethod.AlphaCrown or BoundMethod.Complete ? Optimised(records, output, lambda) : Backward(records, output, lambda, method);
    }

    /// <summary>
    /// α-CROWN's bounds: each unstable ReLU's lower slope, one per bound and unit, starts at CROWN's and climbs the bound's
    /// gradient by Adam's steps (Kingma and Ba 2015, written out here so that every moment lives in this call's scope),
    /// projected back into [a, 1] after each. Every iterate is a valid bound; each row keeps its best.
    /// </summary>
    Tensor Optimised(List<StageRecord> records, Interval output, Tensor lambda) => OptimisedPass(records, lambda, output).Lower;

    /// <summary>The specification matrix of the margins: one row e_label − e_j per other class j.</summary>
    public static Tensor MarginSpec(int label, int classes)
    {
        if (classes < 2 || label < 0 || label >= classes) throw new ArgumentException($"label {label} is not one of {classes} classes.");
        var rows = Enumerable.Range(0, classes).Where(j => j != label).Select(j =>
        {
            var row = new double[classes];
            row[label] = 1;
            row[j] = -1;
            return row;
        }).SelectMany(r => r).ToArray();
        return tensor(rows, [classes - 1, classes]);
    }

    /// <summary>
    /// The forward pass: each stage's input box (by IBP; for CROWN each activation's input is first tightened by a backward
    /// pass of its own and intersected with the box, both being sound) and the relaxations the backward pass needs.
    /// </summary>
    /// <param name="proofs">When given, hears the multipliers of every unit CROWN tightens (<see cref="Tightened"/>), for a certificate.</param>
    internal (List<StageRecord> Records, Interval Output) Forward(Interval input, BoundMethod method, Action<int, long[], Tensor[]>? proofs = null)
    {
        var records = new List<StageRecord>(Stages.Count);
        var bounds = input;
        foreach (var stage in Stages)
        {
            ActivationRelaxation? activation = null;
            MaxPoolRelaxation? pool = null;
            bool linear = method is not BoundMethod.Ibp;
            if (linear && stage is ReluStage or PiecewiseLinearStage)
            {
                if (!BoxIsExact(records.Count)) bounds = Tightened(records, bounds, proofs, optimise: method == BoundMethod.Complete);
                activation = Relax(stage, bounds);
            }
            else if (linear && stage is MaxPoolStage m) pool = new MaxPoolRelaxation(m, bounds);
            records.Add(new StageRecord(bounds.Lower.shape, bounds, activation, pool));
            bounds = IntervalPropagation.Step(stage, bounds);
        }
        return (records, bounds);
    }

    /// <summary>
    /// Whether the box of the input of stage <paramref name="k"/> is already the exact range of each value: the stages
    /// before it are per-element maps and reshapes and at most one Linear, Conv2d or average pooling, whose range over a box
    /// is W c + b ± |W| r. A backward pass could not tighten it (the first activation of most models).
    /// </summary>
    bool BoxIsExact(int k) =>
        Stages.Take(k).All(s => s is ReshapeStage or NormalizeStage or BatchNormStage or ConstantAffineStage or AffineStage or AvgPoolStage or AdaptiveAvgPoolStage)
        && Stages.Take(k).Count(s => s is AffineStage or AvgPoolStage or AdaptiveAvgPoolStage) <= 1;

    /// <summary>
    /// CROWN's bounds of an activation's inputs that may change sign (the others are relaxed exactly whatever their bounds),
    /// by a backward pass from each through the stages recorded so far, a block of rows at a time. With
    /// <paramref name="optimise"/> (complete verification's root), the lower slopes of the unstable units below are optimised
    /// for each of these bounds as α-CROWN optimises them for the output's (Adam's steps, each row keeping its best iterate):
    /// every part of branch and bound starts from these bounds, so what they gain is gained everywhere.
    /// </summary>
    /// <param name="proofs">
    /// When given, hears for each block (the stage tightened, its units, and per activation stage below, first to last, the
    /// coefficients (2·units, width) on that activation's input: the lower bounds' rows, then the upper bounds' as bounds of −z).
    /// </param>
    Interval Tightened(List<StageRecord> records, Interval bounds, Action<int, long[], Tensor[]>? proofs = null, bool optimise = false)
    {
        var shape = bounds.Lower.shape;
        var lower = bounds.Lower.flatten().clone();
        var upper = bounds.Upper.flatten().clone();
        var unstable = nonzero((lower < 0) & (upper > 0)).flatten();
        long count = unstable.numel();
        if (count == 0) return bounds;
        long widest = records.Select(r => r.Input.Lower.numel()).Append(lower.numel()).Max();
        long block = Math.Max(1, WorkingValues / (2 * widest));
        for (long start = 0; start < count; start += block)
        {
            using var scope = NewDisposeScope();
            long c = Math.Min(block, count - start);
            var rows = unstable.narrow(0, start, c);
            var lambda = zeros(2 * c, lower.numel(), dtype: ScalarType.Float64);
            var at = arange(c, dtype: ScalarType.Int64);
            lambda.index_put_(ones(c, dtype: ScalarType.Float64), at, rows);
            lambda.index_put_(-ones(c, dtype: ScalarType.Float64), at + c, rows);
            lambda = lambda.reshape([2 * c, .. shape[1..]]);
            var (found, multipliers) = optimise ? OptimisedPass(records, lambda, bounds) : Pass(records, lambda, bounds);
            proofs?.Invoke(records.Count, rows.data<long>().ToArray(), multipliers);
            lower.index_put_(maximum(lower.index_select(0, rows), found.narrow(0, 0, c)), rows);
            upper.index_put_(minimum(upper.index_select(0, rows), -found.narrow(0, c, c)), rows);
        }
        return new Interval(lower.reshape(shape), upper.reshape(shape));
    }

    /// <summary>
    /// One backward pass of rows Λ from the last recorded stage to the input: their lower bounds, and Λ on each activation's
    /// input on the way (first to last), the multipliers a certificate records.
    /// </summary>
    (Tensor Lower, Tensor[] Multipliers) Pass(List<StageRecord> records, Tensor lambda, Interval input)
    {
        var (atInput, offset, multipliers) = Back(records, lambda);
        return (BackwardPropagation.Concretize(atInput, offset, records.Count > 0 ? records[0].Input : input), multipliers);
    }

    /// <summary>Rows Λ carried back through every recorded stage: Λ on the input, the constant gathered, and Λ on each activation's input (first to last).</summary>
    (Tensor Lambda, Tensor Offset, Tensor[] Multipliers) Back(List<StageRecord> records, Tensor lambda)
    {
        var offset = zeros(lambda.shape[0], dtype: ScalarType.Float64);
        var multipliers = new List<Tensor>();
        for (int k = records.Count - 1; k >= 0; k--)
        {
            lambda = BackwardPropagation.Back(Stages[k], records[k], lambda, ref offset);
            if (records[k].Activation is not null) multipliers.Insert(0, lambda.flatten(1));
        }
        return (lambda, offset, [.. multipliers]);
    }

    /// <summary>
    /// <see cref="Pass"/> with the unstable units' lower slopes optimised for each row (α-CROWN on an intermediate bound):
    /// each row's best iterate and that iterate's multipliers.
    /// </summary>
    (Tensor Lower, Tensor[] Multipliers) OptimisedPass(List<StageRecord> records, Tensor lambda, Interval input)
    {
        using var outer = NewDisposeScope();
        long rows = lambda.shape[0];
        var slopes = new List<(int Stage, Tensor Alpha, Tensor Unstable, double Low, Tensor First, Tensor Second)>();
        for (int k = 0; k < records.Count; k++)
        {
            if (records[k].Activation is not { } r) continue;
            var unstable = (records[k].Input.Lower < 0) & (records[k].Input.Upper > 0);
            if (!unstable.any().item<bool>()) continue;
            var start = r.LowerSlope.expand([rows, .. r.LowerSlope.shape[1..]]).clone();
            slopes.Add((k, start, unstable, Stages[k] is PiecewiseLinearStage p ? p.SlopeBelow : 0, zeros_like(start), zeros_like(start)));
        }
        if (slopes.Count == 0)
        {
            var (plain, multipliers) = Pass(records, lambda, input);
            return (plain.MoveToOuterDisposeScope(), [.. multipliers.Select(m => m.MoveToOuterDisposeScope())]);
        }
        const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
        Tensor? best = null;
        Tensor[] kept = [];
        for (int step = 1; step <= AlphaSteps; step++)
        {
            using var scope = NewDisposeScope();
            Tensor lower;
            Tensor[] multipliers, gradients;
            using (enable_grad())
            {
                var leaves = slopes.Select(x => x.Alpha.detach().requires_grad_(true)).ToArray();
                var withSlopes = records.ToList();
                for (int i = 0; i < slopes.Count; i++)
                {
                    var (k, _, unstable, _, _, _) = slopes[i];
                    withSlopes[k] = records[k] with { Activation = records[k].Activation! with { LowerSlope = where(unstable, leaves[i], records[k].Activation!.LowerSlope) } };
                }
                (lower, multipliers) = Pass(withSlopes, lambda, input);
                gradients = [.. autograd.grad([lower.sum()], leaves).Select(g => g.detach())];
            }
            // Every iterate is a valid bound: each row keeps its best, with the multipliers that gave it.
            var now = lower.detach();
            var better = best is null ? ones(rows, dtype: ScalarType.Bool) : now > best;
            var next = best is null ? now.clone() : maximum(best, now);
            var nextKept = kept.Length == 0 ? [.. multipliers.Select(m => m.detach().clone())]
                : kept.Zip(multipliers, (b, m) => where(better.unsqueeze(1), m.detach(), b)).ToArray();
            foreach (var t in kept.Append(best)) t?.Dispose();
            best = next.MoveToOuterDisposeScope();
            kept = [.. nextKept.Select(t => t.MoveToOuterDisposeScope())];
            if (step == AlphaSteps) break;
            for (int i = 0; i < slopes.Count; i++)
            {
                var (_, alpha, _, low, first, second) = slopes[i];
                var g = gradients[i];
                first.mul_(beta1).add_(g * (1 - beta1));
                second.mul_(beta2).add_(g * g * (1 - beta2));
                var stepSize = AlphaLearningRate / (1 - Math.Pow(beta1, step));
                var scale = (second / (1 - Math.Pow(beta2, step))).sqrt_().add_(epsilon);
                alpha.add_(first / scale * stepSize).clamp_(low, 1); // ascent: the bound is to be raised
            }
        }
        return (best!.MoveToOuterDisposeScope(), [.. kept.Select(t => t.MoveToOuterDisposeScope())]);
    }

    /// <summary>Lower bounds of Λ·output: back to the input (CROWN), or through the affine stages after the last nonlinear one (IBP).</summary>
    Tensor Backward(List<StageRecord> records, Interval output, Tensor lambda, BoundMethod method)
    {
        int stop = 0;
        if (method == BoundMethod.Ibp)
        {
            stop = Stages.Count;
            while (stop > 0 && !IsNonlinear(Stages[stop - 1])) stop--;
        }
        var offset = zeros(lambda.shape[0], dtype: ScalarType.Float64);
        for (int k = Stages.Count - 1; k >= stop; k--) lambda = BackwardPropagation.Back(Stages[k], records[k], lambda, ref offset);
        var box = stop == Stages.Count ? output : records[stop].Input;
        return BackwardPropagation.Concretize(lambda, offset, box).MoveToOuterDisposeScope();
    }
}
