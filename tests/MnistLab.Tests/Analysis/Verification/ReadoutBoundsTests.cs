using MnistLab.Analysis.Verification;
using MnistLab.Analysis.Verification.Certificates;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Analysis.Verification;

public class ReadoutBoundsTests
{
    /// <summary>Two readouts of the MLP's outputs, with weights of both signs.</summary>
    static readonly double[,] Rows = { { 0.5, -1.25, 0, 2, 0.1, 0, 0, -0.3, 0, 1 }, { -1, 0, 0.75, 0, 0, 0.2, -0.6, 0, 1.5, 0 } };

    [Fact]
    public void Certified_ranges_hold_every_sampled_point_and_are_accepted_by_the_exact_checker()
    {
        using var scope = NewDisposeScope();
        var model = SmallNets.Mlp(3);
        var graph = BoundGraph.Of(model);
        var x = SmallNets.Image(4);
        var range = ReadoutBounds.Prove(graph, x, 0.05, Rows, ExactNetwork.Of(graph));
        Assert.True(range.Check is { Accepted: true }, range.Check?.Reason);

        var points = Sampling.Points(Interval.Ball(x, 0.05), 10_000, 5);
        var readings = graph.Layers.Forward(points).matmul(tensor(Rows.Cast<double>().ToArray(), [2, 10]).t());
        for (int j = 0; j < 2; j++)
        {
            var r = readings.select(1, j);
            Assert.True(range.Lower[j] <= r.min().item<double>(), $"readout {j}: a sampled point below the proved lower bound");
            Assert.True(r.max().item<double>() <= range.Upper[j], $"readout {j}: a sampled point above the proved upper bound");
            Assert.True(range.Lower[j] < range.Upper[j]);
        }
    }

    [Fact]
    public void For_a_linear_network_the_range_is_the_exact_one_at_the_box_corners()
    {
        using var scope = NewDisposeScope();
        var linear = SmallNets.Seeded(Sequential(Flatten(), Linear(36, 10)), 6);
        var graph = BoundGraph.Of(linear);
        var x = SmallNets.Image(7);
        const double eps = 0.1;
        var range = ReadoutBounds.Prove(graph, x, eps, Rows, ExactNetwork.Of(graph));
        Assert.True(range.Check is { Accepted: true }, range.Check?.Reason);

        // Known answer: a linear function r·(Wx + b) over a box is smallest at the corner chosen by the signs of its coefficients.
        var w = ((TorchSharp.Modules.Linear)linear[1]).weight!.to_type(ScalarType.Float64);
        var b = ((TorchSharp.Modules.Linear)linear[1]).bias!.to_type(ScalarType.Float64);
        var ball = Interval.Ball(x, eps);
        for (int j = 0; j < 2; j++)
        {
            var r = tensor(Enumerable.Range(0, 10).Select(i => Rows[j, i]).ToArray());
            var coefficients = r.matmul(w); // (36)
            var l = ball.Lower.flatten();
            var u = ball.Upper.flatten();
            double constant = r.dot(b).item<double>();
            double min = constant + where(coefficients > 0, coefficients * l, coefficients * u).sum().item<double>();
            double max = constant + where(coefficients > 0, coefficients * u, coefficients * l).sum().item<double>();
            // The certified bounds are rounded outwards by at most a few ulps and the multipliers' grid, never inwards.
            Assert.InRange(range.Lower[j], min - 1e-6, min + 1e-12);
            Assert.InRange(range.Upper[j], max - 1e-12, max + 1e-6);
        }
    }
}
