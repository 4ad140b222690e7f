using MnistLab.Analysis.Probes;
using MnistLab.Tests.Analysis.Fixtures;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Probes;

/// <summary>The probes against scikit-learn on the same standardised inputs (values in sklearn_reference.json).</summary>
public class ScikitLearnAgreementTests
{
    [Fact]
    public void Ridge_with_lambda_alpha_over_n_equals_scikit_learns_Ridge()
    {
        var f = SklearnReference.Get("ridge");
        var (x, n, d) = SklearnReference.Matrix(f.GetProperty("x"));
        var y = SklearnReference.Floats(f.GetProperty("y")).Select(v => (double)v).ToArray();
        using var raw = tensor(x, [n, d]);
        var scaler = Standardizer.Fit(raw);
        using var z = scaler.Apply(raw);
        var path = new RidgePath(z);
        foreach (var fit in f.GetProperty("fits").EnumerateArray())
        {
            double alpha = fit.GetProperty("alpha").GetDouble();
            var model = path.Fit(y, alpha / n);
            var coef = SklearnReference.Doubles(fit.GetProperty("coef"));
            for (int j = 0; j < d; j++) Assert.Equal(coef[j], model.Weights[j], 9);
            Assert.Equal(fit.GetProperty("intercept").GetDouble(), model.Intercept, 9);
        }
    }

    [Fact]
    public void Logistic_regression_with_lambda_one_over_C_n_reaches_scikit_learns_optimum()
    {
        var f = SklearnReference.Get("logistic");
        var (x, n, d) = SklearnReference.Matrix(f.GetProperty("x"));
        var y = SklearnReference.Ints(f.GetProperty("y"));
        using var raw = tensor(x, [n, d]);
        using var z = Standardizer.Fit(raw).Apply(raw);
        foreach (var fit in f.GetProperty("fits").EnumerateArray())
        {
            double c = fit.GetProperty("C").GetDouble();
            var model = LogisticRegression.Fit(z, y, 3, 1 / (c * n), tolerance: 1e-8, maxIterations: 5000);
            var coef = fit.GetProperty("coef").EnumerateArray().Select(SklearnReference.Doubles).ToArray(); // (classes, features)
            var intercept = SklearnReference.Doubles(fit.GetProperty("intercept"));
            // Both stop short of the exact optimum (scikit-learn on a relative change of the objective, ours on the gradient with
            // float32 products), so the coefficients agree to about 1e-5 relative and the objectives to 1e-9.
            for (int k = 0; k < 3; k++)
            {
                for (int j = 0; j < d; j++) Assert.Equal(coef[k][j], model.Weights[j * 3 + k], tolerance: 5e-5 * Math.Max(1, Math.Abs(coef[k][j])));
                Assert.Equal(intercept[k], model.Bias[k], tolerance: 2e-5);
            }
            var theirs = new LogisticModel(Enumerable.Range(0, d * 3).Select(i => coef[i % 3][i / 3]).ToArray(), intercept, d, 3, model.Lambda, 0);
            double Objective(LogisticModel m) => LogisticRegression.CrossEntropy(m, z, y) + m.Lambda / 2 * m.Weights.Sum(w => w * w);
            Assert.InRange(Objective(model) - Objective(theirs), -1e-9, 1e-9);
            Assert.Equal(fit.GetProperty("log_loss").GetDouble(), LogisticRegression.CrossEntropy(model, z, y), tolerance: 1e-6);
        }
    }

    [Fact]
    public void Lbfgs_finds_the_minimum_of_an_ill_conditioned_quadratic()
    {
        // f(x) = 1/2 sum a_i (x_i - i)^2 with a spread of 1e4 in curvature.
        double[] a = [1, 10, 100, 1000, 10000];
        var outcome = Lbfgs.Minimise((x, g) =>
        {
            double v = 0;
            for (int i = 0; i < x.Length; i++) { v += 0.5 * a[i] * (x[i] - i) * (x[i] - i); g[i] = a[i] * (x[i] - i); }
            return v;
        }, new double[5], 1e-10, 1000);
        for (int i = 0; i < 5; i++) Assert.Equal(i, outcome.X[i], 8);
    }
}
