using MnistLab.Analysis.Verification;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Analysis.Verification;

/// <summary>
/// Branch and bound against the truth where it can be known: on a network of two inputs the smallest margin over a box is
/// read off a fine grid, so a property just below it holds and one just above it does not.
/// </summary>
public class BranchAndBoundTests
{
    const int Grid = 401;

    /// <summary>2 → 16 → 16 → 3, ReLUs between: small enough for a grid, deep enough that α-CROWN alone is loose.</summary>
    static Module<Tensor, Tensor> Net() => SmallNets.Seeded(Sequential(Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 3)), 11);

    /// <summary>[−1, 1]², made in the calling test's dispose scope.</summary>
    static Interval Box => Interval.Box(tensor(new[] { -1.0, -1.0 }), tensor(new[] { 1.0, 1.0 }));

    /// <summary>The label at the box's centre and the smallest margin logit_label − logit_j over the grid.</summary>
    static (int Label, double Min) GridMinimum(Module<Tensor, Tensor> net)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var axis = linspace(-1, 1, Grid, dtype: ScalarType.Float64);
        var points = stack([axis.repeat_interleave(Grid), axis.repeat(Grid)], 1);
        var graph = BoundGraph.Of(net);
        var y = graph.Layers.Forward(points);
        int label = (int)graph.Layers.Forward(zeros(1, 2, dtype: ScalarType.Float64)).argmax(1).item<long>();
        var margin = y[TensorIndex.Colon, label].unsqueeze(1) - y;
        margin[TensorIndex.Colon, label] = tensor(double.PositiveInfinity);
        return (label, margin.min().item<double>());
    }

    /// <summary>The index of the first input whose smallest margin is at or below <paramref name="threshold"/>, or −1.</summary>
    static int Breaks(Module<Tensor, Tensor> net, Tensor inputs, int label, double threshold)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var y = BoundGraph.Of(net).Layers.Forward(inputs.to_type(ScalarType.Float64));
        var margin = y[TensorIndex.Colon, label].unsqueeze(1) - y;
        margin[TensorIndex.Colon, label] = tensor(double.PositiveInfinity);
        var broken = (margin.min(1).values <= threshold).data<bool>().ToArray();
        return Array.IndexOf(broken, true);
    }

    /// <summary>The test's attack: the corners branch and bound offers, then a short climb from each on the smallest margin.</summary>
    static Func<Tensor, Tensor?> Attack(Module<Tensor, Tensor> net, int label, double threshold) => corners =>
    {
        var labels = full(corners.shape[0], label, dtype: ScalarType.Int64);
        var low = full(1, 2, -1f);
        var points = cat([corners.to_type(ScalarType.Float32), Pgd.Climb(net, corners, low, -low, y => Pgd.WrongMargin(y, labels))], 0);
        int i = Breaks(net, points, label, threshold);
        return i < 0 ? null : points[i].unsqueeze(0);
    };

    static SplitProperty Above(int label, double threshold) =>
        SplitProperty.Margins(label, 3) with { Thresholds = [threshold, threshold] };

    [Fact]
    public void A_property_just_below_the_grid_minimum_is_proved_by_splitting_and_never_above_the_truth()
    {
        using var scope = NewDisposeScope();
        var net = Net();
        var (label, min) = GridMinimum(net);
        var graph = BoundGraph.Of(net);
        double threshold = min - 0.05;
        // α-CROWN alone cannot prove it: the search has work to do.
        var root = graph.Margins(Box, label, BoundMethod.AlphaCrown);
        Assert.True(root.Min < threshold, $"α-CROWN alone proves margin ≥ {root.Min} > {threshold}; the box is too easy to test branching");

        var result = BranchAndBound.Run(graph, Box, Above(label, threshold), Attack(net, label, threshold), 60);
        Assert.Equal(Verdict.Verified, result.Verdict);
        Assert.True(result.Domains > 1);
        // The proved slack is a lower bound of the true one, which the grid bounds from above.
        Assert.InRange(result.Bound, 0, min - threshold + 1e-9);
    }

    [Fact]
    public void A_property_just_above_the_grid_minimum_is_falsified_with_a_point_of_the_box_that_breaks_it()
    {
        using var scope = NewDisposeScope();
        var net = Net();
        var (label, min) = GridMinimum(net);
        var graph = BoundGraph.Of(net);
        double threshold = min + 0.002;
        var result = BranchAndBound.Run(graph, Box, Above(label, threshold), Attack(net, label, threshold), 60);
        Assert.Equal(Verdict.Falsified, result.Verdict);
        var x = result.Counterexample!;
        Assert.Equal(0, Box.CountOutside(x));
        Assert.Equal(0, Breaks(net, x, label, threshold));
        Assert.True(result.Bound <= 0);
    }

    [Fact]
    public void With_the_attack_switched_off_a_false_property_is_never_proved_and_the_bound_stays_below_the_truth()
    {
        using var scope = NewDisposeScope();
        var net = Net();
        var (label, min) = GridMinimum(net);
        var graph = BoundGraph.Of(net);
        // False by 0.05 at a grid point: every bound on a part holding that point must stay at or below −0.05, however deep the
        // search goes; a split that cut a ReLU's bounds on the wrong side would prove it.
        double threshold = min + 0.05;
        var result = BranchAndBound.Run(graph, Box, Above(label, threshold), _ => null, 5);
        Assert.Equal(Verdict.Unknown, result.Verdict);
        Assert.True(result.Domains > 100, $"only {result.Domains} domains bounded");
        Assert.True(result.Bound <= min - threshold + 1e-9, $"bound {result.Bound} above the grid's {min - threshold}");
    }

    [Fact]
    public void At_the_time_limit_the_answer_is_unknown_with_a_bound_that_still_holds()
    {
        using var scope = NewDisposeScope();
        var net = Net();
        var (label, min) = GridMinimum(net);
        var graph = BoundGraph.Of(net);
        // The property of the first test, which needs branching, with no time for it.
        double threshold = min - 0.05;
        var result = BranchAndBound.Run(graph, Box, Above(label, threshold), Attack(net, label, threshold), 1e-6);
        Assert.Equal(Verdict.Unknown, result.Verdict);
        Assert.Equal(1, result.Domains);
        Assert.True(result.Bound <= min - threshold + 1e-9, $"bound {result.Bound} above the grid's {min - threshold}");
    }

    [Fact]
    public void A_disjunct_excluded_by_any_of_its_rows_counts_as_excluded()
    {
        var property = new SplitProperty(zeros(3, 2, dtype: ScalarType.Float64), [0, 1, 0], [0, 0, 1]);
        // Group 0: rows 0 and 1 (slacks −1 and 1: excluded by row 1); group 1: row 2 (slack −0.5: open).
        Assert.Equal(-0.5, property.Slack([-1, 2, -0.5]));
        Assert.Equal(0.25, property.Slack([-1, 2, 0.25]));
    }
}
