using MnistLab.Analysis.Information;
using MnistLab.Tests.Analysis.Fixtures;

namespace MnistLab.Tests.Analysis.Information;

public class NearestNeighbourEstimatorTests
{
    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void Ross_agrees_with_scikit_learns_mutual_info_classif()
    {
        var f = SklearnReference.Get("ross");
        var (x, rows, columns) = SklearnReference.Matrix(f.GetProperty("x"));
        var y = SklearnReference.Ints(f.GetProperty("y"));
        var expected = SklearnReference.Doubles(f.GetProperty("mi"));
        for (int j = 0; j < columns; j++)
        {
            var column = Enumerable.Range(0, rows).Select(i => x[i * columns + j]).ToArray();
            double mine = MiEstimate.Compute(Variable.Continuous(column), Variable.Discrete(y, 3), new MiOptions { Estimator = Estimators.Ross, Bootstrap = 0, Null = 0 }).Estimate;
            Assert.Equal(expected[j], Math.Max(0, mine), 9); // scikit-learn clips negative estimates to 0
        }
    }

    [Fact]
    public void Ksg_agrees_with_scikit_learns_mutual_info_regression()
    {
        var f = SklearnReference.Get("ksg");
        var xs = f.GetProperty("x").EnumerateArray().Select(SklearnReference.Floats).ToArray();
        var ys = f.GetProperty("y").EnumerateArray().Select(SklearnReference.Floats).ToArray();
        var expected = SklearnReference.Doubles(f.GetProperty("mi"));
        for (int s = 0; s < xs.Length; s++)
        {
            double mine = MiEstimate.Compute(Variable.Continuous(xs[s]), Variable.Continuous(ys[s]), new MiOptions { Estimator = Estimators.Ksg, Bootstrap = 0, Null = 0 }).Estimate;
            Assert.Equal(expected[s], mine, 9);
        }
    }

    [Fact]
    public void Ksg_recovers_the_mutual_information_of_correlated_gaussians()
    {
        var rng = new Random(21);
        const double rho = 0.8;
        int n = 3000;
        var x = new float[n];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            double a = Gaussian(rng);
            x[i] = (float)a;
            y[i] = (float)(rho * a + Math.Sqrt(1 - rho * rho) * Gaussian(rng));
        }
        double truth = -0.5 * Math.Log(1 - rho * rho); // 0.511 nats
        var r = MiEstimate.Compute(Variable.Continuous(x), Variable.Continuous(y), new MiOptions { Estimator = Estimators.Ksg, Bootstrap = 200, Null = 20 });
        Assert.InRange(r.Estimate, truth - 0.03, truth + 0.03);
        Assert.InRange(truth, r.Low, r.High);
        Assert.Equal(1.0 / 21, r.PNull, 12);
    }

    [Fact]
    public void Ross_recovers_the_mutual_information_of_a_gaussian_mixture()
    {
        // Class c in {0, 1, 2} (equally likely) shifts a unit Gaussian by 1.5 c: I = H(X) - H(X | C), H(X) by quadrature.
        var rng = new Random(22);
        int n = 3000;
        var c = Enumerable.Range(0, n).Select(_ => rng.Next(3)).ToArray();
        var x = c.Select(k => (float)(1.5 * k + Gaussian(rng))).ToArray();
        double Density(double v) => Enumerable.Range(0, 3).Sum(k => Math.Exp(-0.5 * (v - 1.5 * k) * (v - 1.5 * k)) / Math.Sqrt(2 * Math.PI)) / 3;
        double hx = 0, step = 1e-3;
        for (double v = -10; v < 13; v += step) { double p = Density(v); if (p > 0) hx -= p * Math.Log(p) * step; }
        double truth = hx - 0.5 * Math.Log(2 * Math.PI * Math.E);
        var r = MiEstimate.Compute(Variable.Continuous(x), Variable.Discrete(c, 3), new MiOptions { Estimator = Estimators.Ross, Bootstrap = 200, Null = 0 });
        Assert.InRange(r.Estimate, truth - 0.03, truth + 0.03);
        Assert.InRange(truth, r.Low - 0.01, r.High + 0.01);
    }

    [Fact]
    public void Independent_variables_give_nearest_neighbour_estimates_near_zero_with_large_p_values()
    {
        var rng = new Random(23);
        int n = 1500;
        var x = Enumerable.Range(0, n).Select(_ => (float)Gaussian(rng)).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => (float)Gaussian(rng)).ToArray();
        var c = Enumerable.Range(0, n).Select(_ => rng.Next(4)).ToArray();
        foreach (var (est, other) in new[] { (Estimators.Ksg, Variable.Continuous(y)), (Estimators.Ross, Variable.Discrete(c, 4)) })
        {
            var r = MiEstimate.Compute(Variable.Continuous(x), other, new MiOptions { Estimator = est, Bootstrap = 200, Null = 50, Seed = 2 });
            Assert.InRange(0, r.Low, r.High);
            Assert.True(r.PNull > 0.1, $"{est}: p {r.PNull}");
        }
    }

    [Fact]
    public void The_search_over_all_pairs_agrees_with_the_sorted_one_dimensional_search()
    {
        // A second coordinate that is constant (it only carries the jitter) leaves the maximum-norm neighbours unchanged.
        var rng = new Random(24);
        int n = 400;
        var c = Enumerable.Range(0, n).Select(_ => rng.Next(3)).ToArray();
        var x = c.Select(k => (float)(k + Gaussian(rng))).ToArray();
        var wide = x.SelectMany(v => new[] { v, 0f }).ToArray();
        var o = new MiOptions { Estimator = Estimators.Ross, Bootstrap = 0, Null = 0 };
        Assert.Equal(MiEstimate.Compute(Variable.Continuous(x), Variable.Discrete(c, 3), o).Estimate,
            MiEstimate.Compute(Variable.Continuous(wide, 2), Variable.Discrete(c, 3), o).Estimate, 9);
        var y = x.Select(v => (float)(v + 0.5 * Gaussian(rng))).ToArray();
        var wideY = y.SelectMany(v => new[] { v, 0f }).ToArray();
        Assert.Equal(MiEstimate.Compute(Variable.Continuous(x), Variable.Continuous(y), o with { Estimator = Estimators.Ksg }).Estimate,
            MiEstimate.Compute(Variable.Continuous(wide, 2), Variable.Continuous(wideY, 2), o with { Estimator = Estimators.Ksg }).Estimate, 9);
    }

    [Fact]
    public void Digamma_matches_known_values()
    {
        Assert.Equal(-0.5772156649015329, Digamma.Of(1), 15);
        Assert.Equal(1.5061176684318003, Digamma.Of(5), 14);      // -gamma + 1 + 1/2 + 1/3 + 1/4
        Assert.Equal(4.600161852738087, Digamma.Of(100), 14);      // scipy.special.digamma(100)
        Assert.Equal(Digamma.Of(63) + 1.0 / 63, Digamma.Of(64), 14); // the series joins the table
    }
}
