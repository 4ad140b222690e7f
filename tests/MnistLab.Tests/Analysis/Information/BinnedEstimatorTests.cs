using MnistLab.Analysis;
using MnistLab.Analysis.Information;
using MnistLab.Tests.Analysis.Fixtures;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Information;

public class BinnedEstimatorTests
{
    static (Variable X, Variable Y) Independent(int n, int seed, int classes = 10)
    {
        var rng = new Random(seed);
        return (Variable.Continuous(Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 6 - 3)).ToArray()),
                Variable.Discrete(Enumerable.Range(0, n).Select(_ => rng.Next(classes)).ToArray(), classes));
    }

    [Fact]
    public void The_default_estimate_is_the_seeds_number_bit_for_bit()
    {
        var rng = new Random(3);
        int n = 700;
        var y = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray();
        var c = Enumerable.Range(0, n).Select(i => (i * 7 + rng.Next(3)) % 10).ToArray();
        double seed;
        using (var yt = tensor(y, [n, 1]))
        using (var ct = tensor(c.Select(v => (long)v).ToArray()))
            seed = MutualInformation.Hard(yt, ct, Binning.Seed, 10)[0];
        var result = MiEstimate.Compute(Variable.Continuous(y), Variable.Discrete(c, 10), new MiOptions { Bootstrap = 0, Null = 0 });
        Assert.Equal(BitConverter.DoubleToInt64Bits(seed), BitConverter.DoubleToInt64Bits(result.Estimate));
        Assert.True(double.IsNaN(result.Low) && double.IsNaN(result.PNull));
    }

    [Fact]
    public void Plugin_bias_on_independent_uniform_data_is_bins_minus_one_times_classes_minus_one_over_2N_and_Miller_Madow_removes_it()
    {
        // Every one of the 10 x 10 cells is occupied, so the leading bias is exactly (B - 1)(C - 1) / (2N) = 0.0225 nats.
        const int n = 2000, sets = 60;
        double expected = 9.0 * 9 / (2 * n);
        double plugin = 0, mm = 0, pt = 0;
        for (int s = 0; s < sets; s++)
        {
            var (x, y) = Independent(n, 100 + s);
            var o = new MiOptions { Bootstrap = 0, Null = 0 };
            plugin += MiEstimate.Compute(x, y, o).Estimate / sets;
            mm += MiEstimate.Compute(x, y, o with { Estimator = Estimators.MillerMadow }).Estimate / sets;
            pt += MiEstimate.Compute(x, y, o with { Estimator = Estimators.PanzeriTreves }).Estimate / sets;
        }
        Assert.InRange(plugin, expected * 0.9, expected * 1.1);
        Assert.InRange(mm, -0.0015, 0.0015); // the standard error of a mean of 60 estimates is about 0.0006
        Assert.InRange(pt, -0.0015, 0.0015);
    }

    [Fact]
    public void Independent_variables_give_an_interval_around_zero_and_large_null_p_values()
    {
        var p = new List<double>();
        for (int s = 0; s < 16; s++)
        {
            var (x, y) = Independent(1000, 500 + s);
            var r = MiEstimate.Compute(x, y, new MiOptions { Bootstrap = 200, Null = 100, Seed = s });
            Assert.InRange(0, r.Low, r.High);
            // The interval is for the true value: the plug-in estimate sits above it by about its bias, 81 / 2000 nats.
            Assert.InRange(r.Estimate - r.High, 0, 0.06);
            var mm = MiEstimate.Compute(x, y, new MiOptions { Estimator = Estimators.MillerMadow, Bootstrap = 200, Null = 0, Seed = s });
            Assert.InRange(0, mm.Low, mm.High);
            Assert.InRange(mm.Estimate, mm.Low, mm.High);
            p.Add(r.PNull);
        }
        // Under the null the p-values are uniform: their mean is near 1/2, and few fall below 0.05.
        Assert.InRange(p.Average(), 0.3, 0.7);
        Assert.True(p.Count(v => v < 0.05) <= 3, string.Join(", ", p));
    }

    [Fact]
    public void A_dependent_pair_has_the_smallest_p_value_and_an_interval_above_zero()
    {
        var rng = new Random(9);
        int n = 1000;
        var c = Enumerable.Range(0, n).Select(_ => rng.Next(10)).ToArray();
        var x = c.Select(k => (float)(-3 + 0.6 * k + rng.NextDouble() * 0.9)).ToArray();
        var r = MiEstimate.Compute(Variable.Continuous(x), Variable.Discrete(c, 10), new MiOptions { Estimator = Estimators.MillerMadow, Null = 99 });
        Assert.Equal(0.01, r.PNull, 12);
        Assert.True(r.Low > 1, $"low {r.Low}");
        Assert.True(r.High < Math.Log(10), $"high {r.High}");
    }

    [Fact]
    public void I_of_X_with_itself_is_its_entropy()
    {
        var rng = new Random(4);
        var codes = Enumerable.Range(0, 3000).Select(_ => (int)Math.Floor(Math.Sqrt(rng.Next(49)))).ToArray(); // 0..6, uneven
        var x = Variable.Discrete(codes, 7);
        double h = Contingency.Entropy(Enumerable.Range(0, 7).Select(k => codes.Count(c => c == k)).ToArray(), codes.Length);
        Assert.Equal(h, MiEstimate.Compute(x, x, new MiOptions { Bootstrap = 0, Null = 0 }).Estimate, 12);

        // Equal-mass bins on a continuous variable against itself: 8 bins of equal count carry log 8.
        var v = Variable.Continuous(Enumerable.Range(0, 800).Select(_ => (float)rng.NextDouble()).ToArray());
        Assert.Equal(Math.Log(8), MiEstimate.Compute(v, v, new MiOptions { Binning = Binning.Mass(8), Bootstrap = 0, Null = 0 }).Estimate, 12);
    }

    [Fact]
    public void Equal_mass_bins_hold_equal_counts_and_ties_share_a_bin()
    {
        var values = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        var codes = BinCodes.Of(Variable.Continuous(values), Binning.Mass(4)).Codes;
        Assert.Equal([25, 25, 25, 25], Enumerable.Range(0, 4).Select(b => codes.Count(c => c == b)).ToArray());
        var tied = BinCodes.Of(Variable.Continuous([0, 0, 0, 0, 0, 0, 1, 2, 3, 4]), Binning.Mass(5)).Codes;
        Assert.Single(tied.Take(6).Distinct());
    }

    [Fact]
    public void Bins_on_the_data_range_cut_each_coordinate_between_its_own_ends()
    {
        // Column 0 runs 0..9 (one value per bin), column 1 is constant (all in bin 0).
        var values = Enumerable.Range(0, 10).SelectMany(i => new[] { (float)i, 5f }).ToArray();
        var codes = BinCodes.Of(Variable.Continuous(values, 2), Binning.WidthOfData(10));
        Assert.Equal(10, codes.Distinct);
        var single = BinCodes.Of(Variable.Continuous(values.Where((_, k) => k % 2 == 0).ToArray()), Binning.WidthOfData(10));
        Assert.Equal(Enumerable.Range(0, 10), single.Codes);
        Assert.All(BinCodes.Of(Variable.Continuous(values.Where((_, k) => k % 2 == 1).ToArray()), Binning.WidthOfData(10)).Codes, c => Assert.Equal(0, c));
    }

    [Fact]
    public void Several_coordinates_are_binned_as_one_pattern()
    {
        // Two coordinates that each say nothing alone but whose pattern names the class (XOR).
        var rng = new Random(5);
        int n = 2000;
        var a = Enumerable.Range(0, n).Select(_ => rng.Next(2)).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => rng.Next(2)).ToArray();
        var x = Variable.Continuous(Enumerable.Range(0, n).SelectMany(i => new[] { a[i] * 2f - 1, b[i] * 2f - 1 }).ToArray(), dims: 2);
        var y = Variable.Discrete(Enumerable.Range(0, n).Select(i => a[i] ^ b[i]).ToArray(), 2);
        double h = Contingency.Entropy([y.Codes.ToArray().Count(c => c == 0), y.Codes.ToArray().Count(c => c == 1)], n);
        Assert.Equal(h, MiEstimate.Compute(x, y, new MiOptions { Bootstrap = 0, Null = 0 }).Estimate, 12);
    }

    [Fact]
    public void The_plugin_estimate_of_two_discrete_variables_equals_scikit_learns_mutual_info_score()
    {
        var f = SklearnReference.Get("plugin");
        var a = SklearnReference.Ints(f.GetProperty("a"));
        var b = SklearnReference.Ints(f.GetProperty("b"));
        double mine = MiEstimate.Compute(Variable.Discrete(a, 4), Variable.Discrete(b, 4), new MiOptions { Bootstrap = 0, Null = 0 }).Estimate;
        Assert.Equal(f.GetProperty("mi").GetDouble(), mine, 12);
    }

    [Fact]
    public void Panzeri_Treves_counts_every_bin_when_all_are_occupied_and_credits_unseen_ones_when_few_samples()
    {
        Assert.Equal(4, PanzeriTrevesEstimator.RelevantBins([5, 5, 5, 5], 20, 4));
        // 3 samples over 10 possible bins, 3 seen: more bins are probably relevant than the 3 observed.
        double r = PanzeriTrevesEstimator.RelevantBins([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], 3, 10);
        Assert.Equal(6, r, 9);
        // A sparse table (pyentropy's pt_bayescount gives 5).
        Assert.Equal(5, PanzeriTrevesEstimator.RelevantBins([3, 0, 1, 7, 0, 0, 2], 13, 10), 9);
    }

    [Fact]
    public void A_constant_variable_is_never_significant()
    {
        // Its estimate is 0 up to rounding and so is every shuffle: p must be 1, whatever the labels' counts.
        // Label sets of 2 to 10 classes and 50 to 450 images: for several of them the plug-in sums to about 1e-16, not 0.
        for (int t = 0; t < 60; t++)
        {
            var rng = new Random(t);
            int n = 50 + rng.Next(400), k = 2 + rng.Next(9);
            var labels = Enumerable.Range(0, n).Select(_ => rng.Next(k)).ToArray();
            var r = MiEstimate.Compute(Variable.Continuous(Enumerable.Repeat(0.25f, n).ToArray()), Variable.Discrete(labels, k),
                new MiOptions { Bootstrap = 0, Null = 20, Seed = 0 });
            Assert.True(r.PNull == 1, $"labels {t}: estimate {r.Estimate:R}, p {r.PNull}");
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_interval_and_p_value()
    {
        var (x, y) = Independent(500, 1);
        var o = new MiOptions { Estimator = Estimators.MillerMadow, Bootstrap = 50, Null = 50, Seed = 11 };
        Assert.Equal(MiEstimate.Compute(x, y, o), MiEstimate.Compute(x, y, o));
        Assert.NotEqual(MiEstimate.Compute(x, y, o).Low, MiEstimate.Compute(x, y, o with { Seed = 12 }).Low);
    }

    [Fact]
    public void Options_are_checked_once_with_the_option_named()
    {
        var (x, y) = Independent(50, 1);
        var e = Assert.Throws<MnistLab.Common.InvalidOptionException>(() => MiEstimate.Compute(x, y, new MiOptions { Estimator = "nope" }));
        Assert.Equal("MiOptions.Estimator", e.Option);
        Assert.Contains("plugin", e.Message);
        Assert.Throws<MnistLab.Common.InvalidOptionException>(() => MiEstimate.Compute(x, y, new MiOptions { Bootstrap = -1 }));
        Assert.Throws<MnistLab.Common.InvalidOptionException>(() => MiEstimate.Compute(x, y, new MiOptions { Estimator = Estimators.Ksg }));
    }
}
