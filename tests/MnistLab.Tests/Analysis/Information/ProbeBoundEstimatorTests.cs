using MnistLab.Analysis.Information;

namespace MnistLab.Tests.Analysis.Information;

public class ProbeBoundEstimatorTests
{
    [Fact]
    public void The_probe_bound_is_below_the_label_entropy_and_near_it_when_x_names_the_class()
    {
        var rng = new Random(31);
        int n = 2000, d = 5;
        var c = Enumerable.Range(0, n).Select(_ => rng.Next(4)).ToArray();
        // Class k lights coordinate k strongly: a linear probe separates the classes almost perfectly.
        var x = Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(0, d).Select(j => (float)((j == c[i] ? 4 : 0) + rng.NextDouble()))).ToArray();
        var r = MiEstimate.Compute(Variable.Continuous(x, d), Variable.Discrete(c, 4), new MiOptions { Estimator = Estimators.Probe, Null = 50 });
        double h = Math.Log(4);
        Assert.InRange(r.Estimate, h - 0.1, h + 0.01);
        Assert.True(r.High <= h + 0.05);
        Assert.Equal(1.0 / 51, r.PNull, 12);
    }

    [Fact]
    public void Independent_features_give_a_bound_near_zero_and_a_large_p_value()
    {
        var rng = new Random(32);
        int n = 2000, d = 5;
        var c = Enumerable.Range(0, n).Select(_ => rng.Next(4)).ToArray();
        var x = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble()).ToArray();
        var r = MiEstimate.Compute(Variable.Continuous(x, d), Variable.Discrete(c, 4), new MiOptions { Estimator = Estimators.Probe, Null = 100 });
        // Held out, so overfitting cannot raise it; it costs about (d + 1)(K - 1) / (2 n_train) = 0.009 nats, downwards.
        Assert.InRange(r.Estimate, -0.04, 0.005);
        Assert.True(r.PNull > 0.05, $"p {r.PNull}");
        // The interval is the bound's (the probe held fixed), which lies below the true 0: it claims no information.
        Assert.True(r.High < 0.01, $"high {r.High}");
    }
}
