using System.Diagnostics;
using MnistLab.Attribution.Graph;
using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution;

/// <summary>
/// Exact Integrated Gradients' walk along the straight path b + α(x − b) through a <see cref="LayerGraph"/>: each stage maps
/// the value and the tangent (d/dα) of its input to those of its output on the current linear piece, and each ReLU and
/// max-pool records how far α can go before its pattern changes.
/// </summary>
static class ExactPathWalk
{
    /// <summary>
    /// The linear pieces of the straight path b + α(x − b), α in [0, 1], for each example: the points where some ReLU or
    /// max-pool changes its pattern. Returns each example's breakpoints 0 = α₀ &lt; α₁ &lt; … &lt; α_m = 1. Pieces shorter than
    /// <paramref name="minStep"/> are merged into the next (their contribution is below float64 resolution).
    /// </summary>
    internal static List<double>[] Breakpoints(LayerGraph graph, Tensor x, Tensor b, int maxPieces, double minStep = 1e-12)
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
            foreach (var s in graph.Stages) (v, t) = Walk(s, v, t, steps);
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
    /// Refuses, before any work, a graph with a smooth activation: the straight path through it has no linear pieces, so
    /// its integral has no closed form.
    /// </summary>
    internal static void RequireWalkable(LayerGraph graph)
    {
        static IEnumerable<Stage> All(IEnumerable<Stage> stages) => stages.SelectMany(s => s is ResidualStage r ? All(r.Branch) : [s]);
        if (All(graph.Stages).OfType<SmoothActivationStage>().FirstOrDefault() is { } smooth)
            throw new MnistLabException($"exact Integrated Gradients walks models that are linear on pieces; {smooth.Name} is smooth, so the path through it has no pieces to walk: use ig (Gauss–Legendre steps) instead.");
    }

    /// <summary>The value and tangent of the stage's output on the current linear piece; records the distance to the stage's next pattern change.</summary>
    static (Tensor V, Tensor T) Walk(Stage stage, Tensor v, Tensor t, StepTracker steps) => stage switch
    {
        AffineStage l => (l.Forward(v), l.Apply(t, l.Weight, null)),
        BatchNormStage bn => (bn.Forward(v), bn.Linear(t)),
        NormalizeStage norm => (norm.Forward(v), norm.Linear(t)),
        ConstantAffineStage c => (c.Forward(v), c.Linear(t)),
        ReshapeStage or AvgPoolStage or AdaptiveAvgPoolStage => (stage.Forward(v), stage.Forward(t)),
        ReluStage => Relu(v, t, steps),
        PiecewiseLinearStage p => Piecewise(p, v, t, steps),
        MaxPoolStage p => MaxPool(p, v, t, steps),
        ResidualStage r => Residual(r, v, t, steps),
        _ => throw new UnreachableException($"exact Integrated Gradients has no walk through a {stage.GetType().Name}."),
    };

    static (Tensor V, Tensor T) Relu(Tensor v, Tensor t, StepTracker steps)
    {
        var on = (v > 0).logical_or(v.eq(0).logical_and(t > 0));
        var crossing = (v > 0).logical_and(t < 0).logical_or((v < 0).logical_and(t > 0));
        steps.Add(where(crossing, -v / t, double.PositiveInfinity));
        return (functional.relu(v), t * on.to_type(t.dtype));
    }

    /// <summary>Slope 1 between the corners and the stage's outer slopes beyond; the pattern changes where the path crosses a corner.</summary>
    static (Tensor V, Tensor T) Piecewise(PiecewiseLinearStage p, Tensor v, Tensor t, StepTracker steps)
    {
        // At a corner the side is the one the path is heading into.
        var below = (v < p.Low).logical_or(v.eq(p.Low).logical_and(t < 0));
        var above = (v > p.High).logical_or(v.eq(p.High).logical_and(t > 0));
        var slope = where(below, p.SlopeBelow, where(above, p.SlopeAbove, 1.0));
        Tensor Crossing(double corner) =>
            where((v > corner).logical_and(t < 0).logical_or((v < corner).logical_and(t > 0)), (corner - v) / t, double.PositiveInfinity);
        // A corner where the slope does not change is no corner (a LeakyReLU of slope 1).
        if (p.SlopeBelow != 1) steps.Add(Crossing(p.Low));
        if (double.IsFinite(p.High) && p.SlopeAbove != 1) steps.Add(Crossing(p.High));
        return (p.Forward(v), t * slope.to_type(t.dtype));
    }

    /// <summary>On a linear piece each window passes its winner; the pattern changes where another element overtakes it.</summary>
    static (Tensor V, Tensor T) MaxPool(MaxPoolStage p, Tensor v, Tensor t, StepTracker steps)
    {
        long[] kernel = p.Kernel, stride = p.Stride, padding = p.Padding, dilation = p.Dilation;
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

    static (Tensor V, Tensor T) Residual(ResidualStage r, Tensor v, Tensor t, StepTracker steps)
    {
        var (bv, bt) = (v, t);
        foreach (var s in r.Branch) (bv, bt) = Walk(s, bv, bt, steps);
        return (v + bv, t + bt);
    }

    /// <summary>The smallest per-example step to the next pattern change seen so far in a walk.</summary>
    sealed class StepTracker(int n)
    {
        public Tensor Min { get; private set; } = full(n, double.PositiveInfinity, dtype: ScalarType.Float64);

        /// <summary>Takes per-element distances (B, ...) (infinity where no change lies ahead) into the per-example minimum.</summary>
        public void Add(Tensor distances) => Min = minimum(Min, distances.reshape(distances.shape[0], -1).min(1).values);
    }
}
