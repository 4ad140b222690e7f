using MnistLab.Analysis.Probes;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Probes;

public class PrincipalAxesTests
{
    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Ridge the textbook way, on the rows themselves: (Xc^T Xc + n lambda I) w = Xc^T (y - mean y), b = mean y - mean x . w.</summary>
    static (double[] W, double B) Direct(Tensor x, double[] y, double lambda)
    {
        using var scope = NewDisposeScope();
        int n = (int)x.shape[0], d = (int)x.shape[1];
        var mean = x.mean([0]);
        var xc = x - mean;
        double yMean = y.Average();
        var yc = tensor(y.Select(v => v - yMean).ToArray(), [n, 1]);
        var w = linalg.solve(xc.t().matmul(xc) + eye(d, dtype: ScalarType.Float64) * (n * lambda), xc.t().matmul(yc)).reshape(-1);
        return (w.data<double>().ToArray(), yMean - mean.dot(w).item<double>());
    }

    static double[] Predict(Tensor x, double[] w, double b)
    {
        using var scope = NewDisposeScope();
        return (x.matmul(tensor(w)) + b).data<double>().ToArray();
    }

    static void Close(double[] expected, double[] actual, double relative)
    {
        double size = expected.Max(Math.Abs);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * size, $"entry {i}: {actual[i]} against {expected[i]} (relative {relative})");
    }

    [Theory]
    [InlineData(80, 12)] // more images than features
    [InlineData(40, 70)] // more features than images: the axes span the training rows only
    public void Ridge_from_the_layers_one_decomposition_equals_a_direct_ridge_fit_for_every_lambda_and_fold(int n, int d)
    {
        var rng = new Random(47);
        var values = Enumerable.Range(0, n * d).Select(_ => (float)Gaussian(rng)).ToArray();
        var y = Enumerable.Range(0, n).Select(i => values[i * d] - 2 * values[i * d + 1] + 0.5 * Gaussian(rng)).ToArray();
        using var features = tensor(values, [n, d]);
        using var layer = ProbeLayer.Prepare("l", features, ProbeSplit.Random(n, 0.25, 3));
        var train = layer.Split.Train.Select(i => y[i]).ToArray();
        Assert.Equal(Math.Min(d, layer.Split.Train.Length - 1), layer.Rank);

        foreach (double lambda in new[] { 1e-5, 1e-3, 1e-1, 10 })
        {
            // The whole training set: weights mapped back from the axes, and predictions on the held-out rows.
            var onAxes = layer.RidgePath.Fit(train, lambda);
            var (w, b) = layer.Axes.ToFeatures(onAxes.Weights, [onAxes.Intercept]);
            var (wd, bd) = Direct(layer.Train, train, lambda);
            Close(wd, w, 1e-8);
            Assert.Equal(bd, b[0], 1e-8 * Math.Max(1, Math.Abs(bd)));
            Close(Predict(layer.Test, wd, bd), onAxes.Predict(layer.TestValues, layer.Rank), 1e-8);

            // Each cross-validation fold, fitted on the fold's rows of the axes' scores, predicts its validation rows as a
            // ridge fitted on the fold's own features does.
            foreach (var fold in layer.RidgeFolds(3))
            {
                using var fitRows = layer.Train.index_select(0, tensor(fold.FitRows.Select(i => (long)i).ToArray()));
                using var validateRows = layer.Train.index_select(0, tensor(fold.ValidateRows.Select(i => (long)i).ToArray()));
                var (wf, bf) = Direct(fitRows, fold.FitRows.Select(i => train[i]).ToArray(), lambda);
                var predicted = fold.Path.Fit(fold.FitRows.Select(i => train[i]).ToArray(), lambda).Predict(fold.Validate, layer.Rank);
                Close(Predict(validateRows, wf, bf), predicted, 1e-8);
            }
        }
    }

    [Fact]
    public void Weights_on_the_axes_map_to_the_features_and_back()
    {
        var rng = new Random(48);
        int n = 30, d = 6, k = 3;
        using var x = tensor(Enumerable.Range(0, n * d).Select(_ => Gaussian(rng)).ToArray(), [n, d]);
        using var axes = PrincipalAxes.Of(x);
        var theta = Enumerable.Range(0, axes.Rank * k).Select(_ => Gaussian(rng)).ToArray();
        double[] bias = [0.5, -1, 2];
        var (w, b) = axes.ToFeatures(theta, bias);
        var (theta2, bias2) = axes.FromFeatures(w, b);
        Close(theta, theta2, 1e-12);
        Close(bias, bias2, 1e-12);
        // The same logits from the features as from the scores.
        using var logits = x.matmul(tensor(w, [d, k])) + tensor(b);
        using var fromScores = axes.Scores.matmul(tensor(theta, [axes.Rank, k])) + tensor(bias);
        Close(fromScores.reshape(-1).data<double>().ToArray(), logits.reshape(-1).data<double>().ToArray(), 1e-12);
    }

    [Fact]
    public void A_constant_design_keeps_one_axis_with_nothing_on_it()
    {
        using var x = ones(10, 4, dtype: ScalarType.Float64);
        using var axes = PrincipalAxes.Of(x);
        Assert.Equal(1, axes.Rank);
        Assert.Equal(0, axes.Singular[0]);
        Assert.Equal(0, axes.Scores.abs().max().item<double>());
    }
}
