using static TorchSharp.torch;

namespace MnistLab.Analysis.Verification;

/// <summary>
/// What each input's freedom costs a certified margin. CROWN proves margin_label,against(x′) ≥ a·x′ + c over the ball; the
/// bound is that line's minimum over the box, which sits below its value at the image by a sum of one term per input,
/// <c>cost_i = a_i·x_i − min(a_i·l_i, a_i·u_i) ≥ 0</c>: the input's share of the proof's slack. For a linear model the
/// line is the margin itself, so the costs are exact: |w_label − w_against|_i times the room the ball leaves on the side
/// that lowers the margin.
/// </summary>
/// <param name="Against">The class whose margin has the smallest bound (the one the proof hinges on).</param>
/// <param name="Bound">CROWN's lower bound of that margin over the ball: <see cref="AtImage"/> − Σ <see cref="Cost"/>.</param>
/// <param name="AtImage">The bounding line's value at the image.</param>
/// <param name="Cost">Per input, in the model's input order (flattened).</param>
public sealed record MarginFreedom(int Label, int Against, double Bound, double AtImage, double[] Cost)
{
    /// <summary>The decomposition of the smallest margin bound of <paramref name="label"/> over the ball of radius <paramref name="eps"/> around <paramref name="x"/> (one input).</summary>
    public static MarginFreedom Of(BoundGraph graph, Tensor x, int label, double eps)
    {
        using var scope = NewDisposeScope();
        var ball = Interval.Ball(x, eps);
        var center = x.to_type(ScalarType.Float64);
        int classes = (int)graph.Layers.Forward(center.unsqueeze(0)).numel();
        // One CROWN pass for every margin's line; the weakest is the one whose minimum over the box is smallest.
        var (coefficients, offset) = graph.LinearLowerBound(ball, BoundGraph.MarginSpec(label, classes));
        var a = coefficients.flatten(1);
        var (c, l, u) = (center.flatten().unsqueeze(0), ball.Lower.flatten().unsqueeze(0), ball.Upper.flatten().unsqueeze(0));
        var cost = a * c - minimum(a * l, a * u); // (classes − 1, inputs)
        var atImage = (a * c).sum(1) + offset;
        int row = (int)(atImage - cost.sum(1)).argmin().item<long>();
        double[] costs = [.. cost[row].data<double>()];
        int against = row < label ? row : row + 1; // the margin rows skip the label
        double value = atImage[row].item<double>();
        return new MarginFreedom(label, against, value - costs.Sum(), value, costs);
    }

    /// <summary>
    /// CROWN's smallest margin bound over the ball when the inputs <paramref name="held"/> (flattened indices) keep the
    /// image's values and only the others are free: how much of the proof those inputs' freedom costs, re-bounded.
    /// </summary>
    public static double BoundHolding(BoundGraph graph, Tensor x, int label, double eps, IEnumerable<int> held)
    {
        using var scope = NewDisposeScope();
        var ball = Interval.Ball(x, eps);
        var l = ball.Lower.flatten().clone();
        var u = ball.Upper.flatten().clone();
        var at = tensor(held.Select(i => (long)i).ToArray());
        var values = x.to_type(ScalarType.Float64).flatten().index_select(0, at);
        l.index_put_(values, at);
        u.index_put_(values, at);
        return graph.Margins(new Interval(l.reshape(ball.Lower.shape), u.reshape(ball.Upper.shape)), label, BoundMethod.Crown).Min;
    }
}
