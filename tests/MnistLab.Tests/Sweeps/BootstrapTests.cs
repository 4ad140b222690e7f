using MnistLab.Sweeps;

namespace MnistLab.Tests.Sweeps;

public class BootstrapTests
{
    static readonly BootstrapOptions Options = new();

    [Fact]
    public void Mean_and_standard_deviation_are_the_sample_ones()
    {
        var e = Bootstrap.Mean([1, 2, 3, 4], Options, "x");
        Assert.Equal(4, e.N);
        Assert.Equal(2.5, e.Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3), e.Sd, 12); // sum of squares 5, over n - 1
        Assert.True(e.Low >= 1 && e.Low <= 2.5 && e.High >= 2.5 && e.High <= 4);
    }

    [Fact]
    public void Equal_values_have_an_interval_of_that_value_and_one_value_has_none()
    {
        var e = Bootstrap.Mean(Enumerable.Repeat(0.01, 20).ToList(), Options, "x");
        Assert.Equal((0.01, 0.0, 0.01, 0.01), (e.Mean, e.Sd, e.Low, e.High));
        var one = Bootstrap.Mean([0.5], Options, "x");
        Assert.Equal(0.5, one.Mean);
        Assert.False(one.HasInterval);
        Assert.True(double.IsNaN(one.Sd) && double.IsNaN(one.Low) && double.IsNaN(one.High));
    }

    [Fact]
    public void Ten_zeros_and_ten_ones_give_the_binomial_quantiles()
    {
        // A resample's mean is X/20 with X ~ Binomial(20, 1/2): P(X ≤ 5) = 0.021 < 0.025 < P(X ≤ 6) = 0.058, and
        // symmetrically at the top, so the 95% percentile interval is [6/20, 14/20] exactly (40,000 resamples put the
        // empirical 2.5% point more than 6 standard errors away from either neighbouring value).
        var values = Enumerable.Repeat(0.0, 10).Concat(Enumerable.Repeat(1.0, 10)).ToList();
        foreach (long seed in new long[] { 0, 1, 2 })
        {
            var e = Bootstrap.Mean(values, new BootstrapOptions { Resamples = 40_000, Seed = seed }, "binomial");
            Assert.Equal(0.5, e.Mean, 12);
            Assert.Equal(0.30, e.Low, 12);
            Assert.Equal(0.70, e.High, 12);
        }
    }

    [Fact]
    public void A_wide_sample_gives_the_normal_interval_of_the_mean()
    {
        // For n = 400 the bootstrap distribution of the mean is close to normal with sd = s·sqrt((n-1)/n)/sqrt(n).
        var values = Enumerable.Range(0, 400).Select(i => (double)(i % 10)).ToList();
        var e = Bootstrap.Mean(values, new BootstrapOptions { Resamples = 20_000 }, "normal");
        double se = e.Sd * Math.Sqrt(399.0 / 400) / Math.Sqrt(400);
        Assert.Equal(4.5, e.Mean, 12);
        Assert.Equal(e.Mean - 1.96 * se, e.Low, 0.02 * 1.96 * se + 0.01);
        Assert.Equal(e.Mean + 1.96 * se, e.High, 0.02 * 1.96 * se + 0.01);
    }

    [Fact]
    public void The_interval_is_seeded()
    {
        double[] values = [0.1, 0.4, 0.2, 0.9, 0.3, 0.35, 0.6];
        var a = Bootstrap.Mean(values, Options, "figure");
        Assert.Equal(a, Bootstrap.Mean(values, Options, "figure"));
        Assert.NotEqual(a, Bootstrap.Mean(values, Options with { Seed = 1 }, "figure"));
        Assert.NotEqual(a, Bootstrap.Mean(values, Options, "another figure"));
        var wider = Bootstrap.Mean(values, Options with { Confidence = 0.99 }, "figure");
        Assert.True(wider.Low < a.Low && wider.High > a.High);
    }
}
