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
/// objective scikit-learn's LogisticRegression(C = 1 / (n lambda)) minimises, so both reach the same optimum. The fit
/// runs on the design's principal axes (<see cref="PrincipalAxes"/>): the same optimum, in at most as many dimensions as
/// the design has rows, from a decomposition a probe layer shares between all its probes. A two-class fit also scales
/// each axis by the inverse square root of a bound on its curvature, s^2 / 4n + lambda: the correlated units of a layer
/// then no longer set L-BFGS's pace (3 to 14 times fewer evaluations on an MLP's layers and the pixels, for the ring).
/// With ten classes the same scaling, or one from the curvature at the start, did not pay on the same layers (about 10%
/// more evaluations in all), so fits of more than two classes run on the plain axes.
/// </summary>
public static class LogisticRegression
{
    /// <summary>Gradients below this are reached with float32 products; a finer tolerance goes on in float64.</summary>
    public const double Float32Tolerance = 1e-5;

    /// <summary>A fit on principal axes: weights theta (rank x classes, row-major) on the centred scores, biases, and its cost.</summary>
    internal sealed record AxisFit(double[] Theta, double[] Bias, int Iterations);

    /// <summary>
    /// Fits from <paramref name="start"/> (or zeros). The products with the inputs, which are nearly all the work, run in
    /// float32 down to a gradient of <see cref="Float32Tolerance"/>; a finer <paramref name="tolerance"/> continues with
    /// float64 products. The softmax, the objective and the optimiser's state are float64 throughout. The tolerance is
    /// on the largest entry of the gradient along the principal axes of <paramref name="x"/>.
    /// </summary>
    public static LogisticModel Fit(Tensor x, int[] labels, int classes, double lambda, LogisticModel? start = null,
        double tolerance = 1e-4, int maxIterations = 300)
    {
        if (x.shape[0] != labels.Length) throw new ArgumentException($"{x.shape[0]} rows but {labels.Length} labels.");
        using var axes = PrincipalAxes.Of(x);
        AxisFit? begin = null;
        if (start is not null)
        {
            var (theta, bias) = axes.FromFeatures(start.Weights, start.Bias);
            begin = new AxisFit(theta, bias, 0);
        }
        return ToModel(axes, Fit(axes, SoftmaxRows.Of(axes.Scores), labels, classes, lambda, begin, tolerance, maxIterations), lambda);
    }

    /// <summary>The fit on <paramref name="rows"/>, rows of <paramref name="axes"/>' scores (all of them, a fold, a block).</summary>
    internal static AxisFit Fit(PrincipalAxes axes, SoftmaxRows rows, int[] labels, int classes, double lambda, AxisFit? start = null,
        double tolerance = 1e-4, int maxIterations = 300)
    {
        if (rows.Count != labels.Length) throw new ArgumentException($"{rows.Count} rows but {labels.Length} labels.");
        int r = axes.Rank, k = classes;
        var h = classes == 2
            ? axes.Singular.Select(s => Math.Sqrt(s * s / (4.0 * axes.Rows) + lambda)).ToArray()
            : Enumerable.Repeat(1.0, r).ToArray();
        // The optimiser's variables: beta = theta h (class-major, classes x rank), then the biases.
        var beta = new double[k * r + k];
        var scale = new double[k * r + k];
        for (int c = 0; c < k; c++)
        {
            for (int j = 0; j < r; j++)
            {
                scale[c * r + j] = h[j];
                if (start is not null) beta[c * r + j] = start.Theta[j * k + c] * h[j];
            }
            scale[k * r + c] = 1;
            if (start is not null) beta[k * r + c] = start.Bias[c];
        }
        var outcome = Lbfgs.Minimise(Objective(rows, labels, k, lambda, h, float32: true), beta, Math.Max(tolerance, Float32Tolerance), maxIterations,
            gradientScale: scale);
        int iterations = outcome.Iterations;
        if (tolerance < Float32Tolerance)
        {
            outcome = Lbfgs.Minimise(Objective(rows, labels, k, lambda, h, float32: false), outcome.X, tolerance, maxIterations, gradientScale: scale);
            iterations += outcome.Iterations;
        }
        var x = outcome.X;
        var theta = new double[r * k];
        for (int c = 0; c < k; c++)
            for (int j = 0; j < r; j++) theta[j * k + c] = x[c * r + j] / h[j];
        return new AxisFit(theta, x[(k * r)..], iterations);
    }

    internal static LogisticModel ToModel(PrincipalAxes axes, AxisFit fit, double lambda)
    {
        var (w, b) = axes.ToFeatures(fit.Theta, fit.Bias);
        return new LogisticModel(w, b, axes.Features, fit.Bias.Length, lambda, fit.Iterations);
    }

    /// <summary>Mean cross-entropy + lambda/2 |theta|^2 and its gradient in the scaled variables beta = theta h, then the biases.</summary>
    static Lbfgs.Objective Objective(SoftmaxRows rows, int[] labels, int k, double lambda, double[] h, bool float32)
    {
        int r = h.Length;
        var theta = new double[k * r];
        var gTheta = new double[k * r];
        var gBias = new double[k];
        return (x, grad) =>
        {
            for (int c = 0; c < k; c++)
                for (int j = 0; j < r; j++) theta[c * r + j] = x[c * r + j] / h[j];
            double ce = SoftmaxLoss.Evaluate(rows, labels, k, theta, x.AsSpan(k * r, k), gTheta, gBias, float32);
            double penalty = 0;
            foreach (double t in theta) penalty += t * t;
            for (int i = 0; i < k * r; i++) grad[i] = (gTheta[i] + lambda * theta[i]) / h[i % r];
            gBias.CopyTo(grad, k * r);
            return ce + lambda / 2 * penalty;
        };
    }

    /// <summary>log p(class | row) for <paramref name="rows"/> on the axes a fit was made on: (rows, classes), in float64.</summary>
    internal static double[,] LogProbabilities(SoftmaxRows rows, AxisFit fit)
    {
        int n = rows.Count, k = fit.Bias.Length, r = rows.Width;
        var x = rows.X64;
        var logp = new double[n, k];
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < k; c++)
            {
                double s = fit.Bias[c];
                for (int j = 0; j < r; j++) s += x[i * r + j] * fit.Theta[j * k + c];
                logp[i, c] = s;
                max = Math.Max(max, s);
            }
            double sum = 0;
            for (int c = 0; c < k; c++) sum += Math.Exp(logp[i, c] - max);
            double log = max + Math.Log(sum);
            for (int c = 0; c < k; c++) logp[i, c] -= log;
        }
        return logp;
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
        using var axes = PrincipalAxes.Of(x);
        var selection = Select(axes, Folds(SoftmaxRows.Of(axes.Scores), folds), labels, classes, lambdas);
        return (selection.Lambda, selection.Loss);
    }

    /// <summary>One fold of a design's rows: positions (as <see cref="ProbeSplit.Fold"/> numbers them) and the rows themselves.</summary>
    internal sealed record Fold(int[] Fit, int[] Validate, SoftmaxRows FitRows, SoftmaxRows ValidateRows);

    internal static IReadOnlyList<Fold> Folds(SoftmaxRows rows, int folds)
    {
        var items = new List<Fold>();
        for (int f = 0; f < folds; f++)
        {
            var (fit, validate) = ProbeSplit.Fold(rows.Count, folds, f);
            if (validate.Length == 0 || fit.Length == 0) continue;
            items.Add(new Fold(fit, validate, rows.Select(fit), rows.Select(validate)));
        }
        return items;
    }

    /// <summary>What cross-validation chose, with each fold's fit at the chosen lambda (their mean starts the final fit).</summary>
    internal sealed record Selection(double Lambda, double[] Loss, IReadOnlyList<AxisFit> Chosen)
    {
        /// <summary>The folds' fits at the chosen lambda, averaged: a start close to the fit on all rows.</summary>
        public AxisFit? Start => Chosen.Count == 0 ? null : new AxisFit(
            Enumerable.Range(0, Chosen[0].Theta.Length).Select(i => Chosen.Average(f => f.Theta[i])).ToArray(),
            Enumerable.Range(0, Chosen[0].Bias.Length).Select(i => Chosen.Average(f => f.Bias[i])).ToArray(), 0);
    }

    /// <summary>Cross-validation on the folds of a design's rows, the folds side by side (each on one thread; the same result on any number).</summary>
    internal static Selection Select(PrincipalAxes axes, IReadOnlyList<Fold> folds, int[] labels, int classes, IReadOnlyList<double> lambdas)
    {
        var order = lambdas.Select((l, i) => (l, i)).OrderByDescending(p => p.l).ToList();
        var losses = new double[folds.Count, lambdas.Count];
        var fits = new AxisFit[folds.Count, lambdas.Count];
        Parallel.For(0, folds.Count, Common.TorchSetup.Parallel, f =>
        {
            var fold = folds[f];
            var yf = fold.Fit.Select(i => labels[i]).ToArray();
            var yv = fold.Validate.Select(i => labels[i]).ToArray();
            AxisFit? last = null;
            foreach (var (lambda, i) in order)
            {
                // Choosing among lambdas needs the held-out loss to a few digits, not the optimum to the last one.
                last = fits[f, i] = Fit(axes, fold.FitRows, yf, classes, lambda, last, tolerance: 1e-4, maxIterations: 200);
                var logp = LogProbabilities(fold.ValidateRows, last);
                double ce = 0;
                for (int v = 0; v < yv.Length; v++) ce -= logp[v, yv[v]];
                losses[f, i] = ce / labels.Length;
            }
        });
        // Summed over the folds in their order, so the choice does not depend on which fold finished first.
        var loss = Enumerable.Range(0, lambdas.Count).Select(i => Enumerable.Range(0, folds.Count).Sum(f => losses[f, i])).ToArray();
        int best = order.Select(p => p.i).MinBy(i => loss[i]); // first minimum in strongest-first order
        return new Selection(lambdas[best], loss, Enumerable.Range(0, folds.Count).Select(f => fits[f, best]).ToList());
    }
}
