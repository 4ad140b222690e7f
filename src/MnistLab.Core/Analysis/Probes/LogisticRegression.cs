using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// A fitted multinomial logistic probe on standardised inputs: logits = x W + b, W (features x classes) row-major.
/// Learned attributes only; how it was fitted is in <see cref="Lambda"/> and <see cref="Iterations"/>.
/// </summary>
public sealed record LogisticModel(double[] Weights, double[] Bias, int Features, int Classes, double Lambda, int Iterations)
{
    /// <summary>log p(class | x) for every row of <paramref name="x"/> (n, features) and class: (n, classes) as float64.</summary>
    public double[,] LogProbabilities(Tensor x)
    {
        using var scope = NewDisposeScope();
        var w = tensor(Weights, [Features, Classes]);
        var logits = x.to_type(ScalarType.Float64).matmul(w) + tensor(Bias);
        return Common.TensorData.Matrix(functional.log_softmax(logits, 1));
    }

    /// <summary>The weights of class <paramref name="k"/> (one per input feature).</summary>
    public double[] Direction(int k) => Enumerable.Range(0, Features).Select(j => Weights[j * Classes + k]).ToArray();
}

/// <summary>
/// Multinomial logistic regression: minimises mean cross-entropy + lambda/2 |W|^2 (bias not penalised) by L-BFGS, the
/// objective scikit-learn's LogisticRegression(C = 1 / (n lambda)) minimises, so both reach the same optimum.
/// </summary>
public static class LogisticRegression
{
    /// <summary>Gradients below this are reached with float32 products; a finer tolerance goes on in float64.</summary>
    public const double Float32Tolerance = 1e-5;

    /// <summary>
    /// Fits from <paramref name="start"/> (or zeros). The two products with the inputs, which are nearly all the work, run in
    /// float32 down to a gradient of <see cref="Float32Tolerance"/>; a finer <paramref name="tolerance"/> continues with
    /// float64 products. The logits' normalisation, the objective and the optimiser's state are float64 throughout.
    /// </summary>
    public static LogisticModel Fit(Tensor x, int[] labels, int classes, double lambda, LogisticModel? start = null,
        double tolerance = 1e-4, int maxIterations = 300)
    {
        if (x.shape[0] != labels.Length) throw new ArgumentException($"{x.shape[0]} rows but {labels.Length} labels.");
        using var scope = NewDisposeScope();
        int d = (int)x.shape[1], k = classes;
        using var onehot = functional.one_hot(tensor(labels.Select(l => (long)l).ToArray()), k).to_type(ScalarType.Float64);
        var theta = start is null ? new double[d * k + k] : [.. start.Weights, .. start.Bias];
        var outcome = Lbfgs.Minimise(Objective(x, onehot, lambda, ScalarType.Float32), theta, Math.Max(tolerance, Float32Tolerance), maxIterations);
        int iterations = outcome.Iterations;
        if (tolerance < Float32Tolerance)
        {
            outcome = Lbfgs.Minimise(Objective(x, onehot, lambda, ScalarType.Float64), outcome.X, tolerance, maxIterations);
            iterations += outcome.Iterations;
        }
        return new LogisticModel(outcome.X[..(d * k)], outcome.X[(d * k)..], d, k, lambda, iterations);
    }

    /// <summary>Mean cross-entropy + lambda/2 |W|^2 and its gradient, with the products in <paramref name="precision"/>.</summary>
    static Lbfgs.Objective Objective(Tensor x, Tensor onehot, double lambda, ScalarType precision)
    {
        int n = (int)x.shape[0], d = (int)x.shape[1], k = (int)onehot.shape[1];
        var xp = x.to_type(precision).contiguous();
        var xt = xp.t().contiguous();
        return (theta, grad) =>
        {
            using var step = NewDisposeScope();
            var all = tensor(theta);
            var w = all.narrow(0, 0, d * k).view(d, k);
            var b = all.narrow(0, d * k, k);
            var logits = xp.matmul(w.to_type(precision)).to_type(ScalarType.Float64) + b; // (n, k)
            double ce = (logits.logsumexp(1) - (logits * onehot).sum(1)).sum().item<double>() / n;
            double value = ce + lambda / 2 * w.square().sum().item<double>();
            var g = (functional.softmax(logits, 1) - onehot).div_(n); // d ce / d logits
            var gw = xt.matmul(g.to_type(precision)).to_type(ScalarType.Float64).add_(w, alpha: lambda);
            cat([gw.reshape(-1), g.sum([0L])]).data<double>().CopyTo(grad);
            return value;
        };
    }

    /// <summary>Mean cross-entropy (nats) of <paramref name="model"/> on rows of <paramref name="x"/> with their labels.</summary>
    public static double CrossEntropy(LogisticModel model, Tensor x, int[] labels)
    {
        var logp = model.LogProbabilities(x);
        return -Enumerable.Range(0, labels.Length).Average(i => logp[i, labels[i]]);
    }

    /// <summary>
    /// The lambda of <paramref name="lambdas"/> with the lowest k-fold held-out cross-entropy on (<paramref name="x"/>,
    /// <paramref name="labels"/>), and that cross-entropy for each lambda. Along each fold the lambdas run from the
    /// strongest, each fit starting from the last; ties go to the stronger penalty.
    /// </summary>
    public static (double Lambda, double[] Loss) Select(Tensor x, int[] labels, int classes, IReadOnlyList<double> lambdas, int folds)
    {
        var order = lambdas.Select((l, i) => (l, i)).OrderByDescending(p => p.l).ToList();
        var loss = new double[lambdas.Count];
        for (int f = 0; f < folds; f++)
        {
            var (fit, validate) = ProbeSplit.Fold(labels.Length, folds, f);
            if (validate.Length == 0 || fit.Length == 0) continue;
            using var scope = NewDisposeScope();
            var xf = x.index_select(0, tensor(fit.Select(i => (long)i).ToArray()));
            var xv = x.index_select(0, tensor(validate.Select(i => (long)i).ToArray()));
            var yf = fit.Select(i => labels[i]).ToArray();
            var yv = validate.Select(i => labels[i]).ToArray();
            LogisticModel? last = null;
            foreach (var (lambda, i) in order)
            {
                // Choosing among lambdas needs the held-out loss to a few digits, not the optimum to the last one.
                last = Fit(xf, yf, classes, lambda, last, tolerance: 1e-4, maxIterations: 200);
                loss[i] += CrossEntropy(last, xv, yv) * validate.Length / labels.Length;
            }
        }
        int best = order.Select(p => p.i).MinBy(i => loss[i]); // first minimum in strongest-first order
        return (lambdas[best], loss);
    }
}
