using MnistLab.Analysis.Verification;
using MnistLab.Attribution.Graph;
using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Analysis.Verification;

public class BoundGraphTests
{
    static readonly BoundMethod[] Methods = [BoundMethod.Ibp, BoundMethod.Crown, BoundMethod.AlphaCrown];

    [Fact]
    public void Ibp_of_one_linear_layer_is_W_c_plus_minus_abs_W_r()
    {
        using var scope = NewDisposeScope();
        using var model = SmallNets.Seeded(Sequential(Linear(5, 3)), 1);
        using var g = new Generator(2);
        var lower = rand([5], dtype: ScalarType.Float64, generator: g);
        var upper = lower + rand([5], dtype: ScalarType.Float64, generator: g);
        var box = Interval.Box(lower, upper);
        var graph = BoundGraph.Of(model);
        var got = graph.OutputBounds(box, BoundMethod.Ibp);
        var w = model.parameters().First().to_type(ScalarType.Float64).data<double>().ToArray();
        var b = model.parameters().Last().to_type(ScalarType.Float64).data<double>().ToArray();
        double[] l = [.. lower.data<double>()], u = [.. upper.data<double>()];
        for (int i = 0; i < 3; i++)
        {
            double mid = b[i], rad = 0;
            for (int j = 0; j < 5; j++)
            {
                mid += w[i * 5 + j] * (l[j] + u[j]) / 2;
                rad += Math.Abs(w[i * 5 + j]) * (u[j] - l[j]) / 2;
            }
            Assert.Equal(mid - rad, got.Lower[0, i].item<double>(), 12);
            Assert.Equal(mid + rad, got.Upper[0, i].item<double>(), 12);
        }
        // CROWN on one layer is the same exact bound.
        var crown = graph.OutputBounds(box, BoundMethod.Crown);
        Assert.True((crown.Lower - got.Lower).abs().max().item<double>() < 1e-12);
        Assert.True((crown.Upper - got.Upper).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void Crown_on_a_linear_network_is_the_exact_bound()
    {
        using var scope = NewDisposeScope();
        using var model = SmallNets.Seeded(Sequential(Flatten(), Linear(36, 12), Linear(12, 10)), 3);
        var box = Interval.Ball(SmallNets.Image(4), 0.1);
        var graph = BoundGraph.Of(model);
        // The network is one affine map M x + m: its exact margin bounds are (C M) c + C m − |C M| r.
        var p = model.parameters().Select(t => t.detach().to_type(ScalarType.Float64)).ToList();
        var m = p[2].matmul(p[0]);
        var shift = p[2].matmul(p[1]) + p[3];
        for (int label = 0; label < 10; label += 3)
        {
            var c = BoundGraph.MarginSpec(label, 10);
            var cm = c.matmul(m);
            var exact = (cm.matmul(box.Center.flatten()) + c.matmul(shift) - cm.abs().matmul(box.Radius.flatten())).data<double>().ToArray();
            var crown = graph.Margins(box, label, BoundMethod.Crown);
            var ibp = graph.Margins(box, label, BoundMethod.Ibp);
            var others = Enumerable.Range(0, 10).Where(j => j != label).ToList();
            // IBP bounds the affine stages after the last nonlinear one exactly, with the margins folded in: here, all of them.
            for (int k = 0; k < 9; k++)
            {
                Assert.Equal(exact[k], crown.Lower[others[k]], 10);
                Assert.Equal(exact[k], ibp.Lower[others[k]], 10);
            }
            // Box after box, layer by layer, loses what the exact bound keeps.
            var boxes = graph.Layers.Stages.Aggregate(box, (b, s) => IntervalPropagation.Step(s, b));
            var loose = others.Select(j => boxes.Lower[0, label].item<double>() - boxes.Upper[0, j].item<double>()).ToArray();
            for (int k = 0; k < 9; k++) Assert.True(loose[k] <= exact[k] + 1e-12);
            Assert.True(loose.Zip(exact).Max(p => p.Second - p.First) > 1e-3, "boxes through two layers should lose something");
        }
    }

    [Fact]
    public void Crown_is_never_looser_than_ibp_on_the_margins_of_a_relu_mlp()
    {
        using var scope = NewDisposeScope();
        using var model = SmallNets.Mlp(5);
        var graph = BoundGraph.Of(model);
        double gained = 0;
        foreach (ulong seed in new ulong[] { 6, 7, 8 })
            foreach (double eps in new[] { 0.01, 0.05, 0.2 })
            {
                var box = Interval.Ball(SmallNets.Image(seed), eps);
                var crown = graph.Margins(box, (int)seed % 10, BoundMethod.Crown);
                var ibp = graph.Margins(box, (int)seed % 10, BoundMethod.Ibp);
                for (int j = 0; j < 10; j++)
                {
                    if (j == crown.Label) continue;
                    Assert.True(crown.Lower[j] >= ibp.Lower[j] - 1e-12, $"seed {seed}, eps {eps}, class {j}: CROWN {crown.Lower[j]} < IBP {ibp.Lower[j]}");
                    gained += crown.Lower[j] - ibp.Lower[j];
                }
            }
        Assert.True(gained > 0.1, $"CROWN gained only {gained} over IBP in total");
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void Alpha_crown_is_never_looser_than_crown_and_gains_on_unstable_units(string net)
    {
        using var scope = NewDisposeScope();
        using var model = net == "mlp" ? SmallNets.Mlp(5) : SmallNets.Cnn(5);
        var graph = BoundGraph.Of(model);
        double gained = 0;
        foreach (ulong seed in new ulong[] { 6, 7 })
        {
            var box = Interval.Ball(SmallNets.Image(seed), 0.1);
            var crown = graph.Margins(box, 2, BoundMethod.Crown);
            var alpha = graph.Margins(box, 2, BoundMethod.AlphaCrown);
            for (int j = 0; j < 10; j++)
            {
                if (j == 2) continue;
                Assert.True(alpha.Lower[j] >= crown.Lower[j] - 1e-12, $"seed {seed}, class {j}: α-CROWN {alpha.Lower[j]} < CROWN {crown.Lower[j]}");
                gained += alpha.Lower[j] - crown.Lower[j];
            }
        }
        Assert.True(gained > 1e-3, $"optimising the slopes gained only {gained} in total");
    }

    public static TheoryData<string, int> Nets => new() { { "mlp", 0 }, { "mlp", 1 }, { "mlp", 2 }, { "cnn", 0 }, { "cnn", 1 }, { "cnn", 2 } };

    [Theory]
    [MemberData(nameof(Nets))]
    public void Ten_thousand_points_of_each_ball_never_leave_the_proved_bounds(string net, int method)
    {
        using var scope = NewDisposeScope();
        using var model = net == "mlp" ? SmallNets.Mlp(9) : SmallNets.Cnn(9);
        var graph = BoundGraph.Of(model);
        foreach (ulong seed in new ulong[] { 10, 11 })
            foreach (double eps in new[] { 0.02, 0.1, 0.3 })
            {
                var box = Interval.Ball(SmallNets.Image(seed), eps);
                var outputs = graph.OutputBounds(box, Methods[method]);
                var margins = graph.Margins(box, 3, Methods[method]);
                var points = Sampling.Points(box, 10_000, seed + 100);
                Assert.Equal(0, Sampling.Violations(graph, box, outputs, margins, points));
                // The clean image itself is among the points the bounds hold for.
                Assert.True(outputs.CountOutside(graph.Layers.Forward(box.Center)) == 0);
            }
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void A_relaxation_that_cuts_below_the_relu_is_caught_by_the_same_sampling_check(string net)
    {
        using var scope = NewDisposeScope();
        using var model = net == "mlp" ? SmallNets.Mlp(9) : SmallNets.Cnn(9);
        // The chord without its intercept: u/(u−l)·x passes under the ReLU on (0, u), so the upper bounds it gives are too low.
        var wrong = BoundGraph.Of(model).WithRelaxation((stage, input) =>
        {
            var r = ActivationRelaxation.Of(stage, input);
            return r with { UpperIntercept = zeros_like(r.UpperIntercept) };
        });
        long caught = 0;
        foreach (ulong seed in new ulong[] { 10, 11 })
        {
            var box = Interval.Ball(SmallNets.Image(seed), 0.3);
            var outputs = wrong.OutputBounds(box, BoundMethod.Crown);
            var margins = wrong.Margins(box, 3, BoundMethod.Crown);
            caught += Sampling.Violations(wrong, box, outputs, margins, Sampling.Points(box, 10_000, seed + 100));
        }
        Assert.True(caught > 0, "the sampling check let a relaxation that is not a bound through");
    }

    [Fact]
    public void A_layer_without_a_bound_rule_is_refused_by_name()
    {
        using var model = Sequential(Flatten(), Linear(36, 8), Tanh(), Linear(8, 10));
        var e = Assert.Throws<MnistLabException>(() => BoundGraph.Of(model));
        Assert.StartsWith("tanh:", e.Message);
        Assert.Contains("flatten → linear 36→8 → tanh → linear 8→10", e.Message);
        using var clamp = Sequential(Flatten(), Linear(36, 8), ReLU6(), Linear(8, 10));
        Assert.StartsWith("relu6:", Assert.Throws<MnistLabException>(() => BoundGraph.Of(clamp)).Message);
    }
}
