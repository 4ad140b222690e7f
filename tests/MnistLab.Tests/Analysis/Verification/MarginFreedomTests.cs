using MnistLab.Analysis.Verification;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Analysis.Verification;

public class MarginFreedomTests
{
    [Fact]
    public void For_a_linear_model_each_cost_is_the_weight_difference_times_the_room_the_ball_leaves()
    {
        using var scope = NewDisposeScope();
        var linear = SmallNets.Seeded(Sequential(Flatten(), Linear(36, 10)), 11);
        var graph = BoundGraph.Of(linear);
        var x = SmallNets.Image(12);
        const double eps = 0.2;
        var freedom = MarginFreedom.Of(graph, x, 3, eps);

        // Known answer: the margin is (w_3 − w_j)·x + (b_3 − b_j); its minimum over the box lowers it at pixel i by
        // |d_i| times the distance from x_i to the box's edge on the side that lowers it.
        var w = ((TorchSharp.Modules.Linear)linear[1]).weight!.to_type(ScalarType.Float64);
        var d = (w[3] - w[freedom.Against]).data<double>().ToArray();
        var pixels = x.to_type(ScalarType.Float64).flatten().data<double>().ToArray();
        for (int i = 0; i < 36; i++)
        {
            double room = d[i] > 0 ? pixels[i] - Math.Max(0, pixels[i] - eps) : Math.Min(1, pixels[i] + eps) - pixels[i];
            Assert.Equal(Math.Abs(d[i]) * room, freedom.Cost[i], 12);
        }
        var margins = graph.Margins(Interval.Ball(x, eps), 3, BoundMethod.Crown);
        Assert.Equal(margins.Min, freedom.Bound, 10);
        Assert.Equal(margins.Lower[freedom.Against], margins.Min);
        // The line's value at the image is the margin there: a linear model's bound is exact.
        var logits = linear.call(x.unsqueeze(0)).to_type(ScalarType.Float64)[0];
        Assert.Equal((logits[3] - logits[freedom.Against]).item<double>(), freedom.AtImage, 5);
    }

    [Fact]
    public void For_an_mlp_the_costs_add_up_to_the_bound_and_holding_every_input_leaves_the_margin_at_the_image()
    {
        using var scope = NewDisposeScope();
        var mlp = SmallNets.Mlp(13);
        var graph = BoundGraph.Of(mlp);
        var x = SmallNets.Image(14);
        int label = (int)mlp.call(x.unsqueeze(0)).argmax(1).item<long>();
        var freedom = MarginFreedom.Of(graph, x, label, 0.05);
        Assert.All(freedom.Cost, c => Assert.True(c >= 0));
        Assert.Equal(graph.Margins(Interval.Ball(x, 0.05), label, BoundMethod.Crown).Min, freedom.Bound, 9);
        Assert.Equal(freedom.Bound, MarginFreedom.BoundHolding(graph, x, label, 0.05, []), 9);

        var logits = graph.Layers.Forward(x.unsqueeze(0).to_type(ScalarType.Float64))[0];
        double atImage = Enumerable.Range(0, 10).Where(j => j != label).Min(j => (logits[label] - logits[j]).item<double>());
        Assert.Equal(atImage, MarginFreedom.BoundHolding(graph, x, label, 0.05, Enumerable.Range(0, 36)), 9);
        // Holding some inputs can only help the proof.
        Assert.True(MarginFreedom.BoundHolding(graph, x, label, 0.05, Enumerable.Range(0, 10)) >= freedom.Bound - 1e-12);
    }
}
