using static TorchSharp.torch;

namespace MnistLab.Analysis.Probes;

/// <summary>A fitted ridge probe on standardised inputs: prediction = x . w + intercept.</summary>
public sealed record RidgeModel(double[] Weights, double Intercept, double Lambda)
{
    /// <summary>Predictions for the rows of <paramref name="x"/>, summed in a fixed order so the same inputs give the same bits.</summary>
    public double[] Predict(Tensor x) => Predict(Managed(x), (int)x.shape[1]);

    public double[] Predict(ReadOnlySpan<double> x, int d)
    {
        var p = new double[x.Length / d];
        for (int i = 0; i < p.Length; i++)
        {
            double s = Intercept;
            for (int j = 0; j < d; j++) s += x[i * d + j] * Weights[j];
            p[i] = s;
        }
        return p;
    }

    internal static double[] Managed(Tensor x)
    {
        using var c = x.to_type(ScalarType.Float64).contiguous();
        return c.data<double>().ToArray();
    }
}

/// <summary>
/// Ridge regression through one thin SVD of the centred design, X - mean = U S V^T: for every lambda the weights are
/// V diag(s / (s^2 + n lambda)) U^T (y - mean y), so a whole path of lambdas, and any number of targets on the same
/// inputs (a concept, its control), cost one decomposition. Minimises mean squared error + lambda |w|^2, intercept free:
/// scikit-learn's Ridge with alpha = n lambda. The products after the decomposition run in managed code in a fixed
/// order, so refitting the same target gives the same bits.
/// </summary>
public sealed class RidgePath
{
    readonly double[] _u, _s, _mean; // U (n, r), s (r), mean (d)
    readonly double[]? _v; // V (d, r); none: the inputs are already coordinates on the axes (d = r, V = I)
    readonly int _n, _r, _d;

    public RidgePath(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x64 = x.to_type(ScalarType.Float64);
        (_n, _d) = ((int)x64.shape[0], (int)x64.shape[1]);
        var mean = x64.mean([0]);
        var (u, s, vh) = linalg.svd(x64 - mean, fullMatrices: false);
        _r = (int)s.shape[0];
        _u = RidgeModel.Managed(u);
        _s = s.data<double>().ToArray();
        _v = RidgeModel.Managed(vh.t());
        _mean = mean.data<double>().ToArray();
    }

    RidgePath(double[] u, double[] s, int n)
    {
        (_u, _s, _n, _r, _d) = (u, s, n, s.Length, s.Length);
        _mean = new double[s.Length];
    }

    /// <summary>
    /// The path of a design given by its principal axes, with no decomposition of its own: U = scores / s. Its weights
    /// and predictions are on the axes (inputs: rows' scores; <see cref="PrincipalAxes.ToFeatures"/> maps weights back).
    /// </summary>
    public static RidgePath OnAxes(PrincipalAxes axes)
    {
        var u = RidgeModel.Managed(axes.Scores);
        int r = axes.Rank;
        for (int i = 0; i < u.Length; i++) u[i] = axes.Singular[i % r] > 0 ? u[i] / axes.Singular[i % r] : 0;
        return new RidgePath(u, axes.Singular, axes.Rows);
    }

    public int Rows => _n;

    public RidgeModel Fit(double[] y, double lambda)
    {
        if (y.Length != _n) throw new ArgumentException($"{y.Length} targets for {_n} rows.");
        double mean = y.Average();
        var coef = new double[_r];
        for (int i = 0; i < _n; i++)
        {
            double yc = y[i] - mean;
            for (int k = 0; k < _r; k++) coef[k] += _u[i * _r + k] * yc;
        }
        for (int k = 0; k < _r; k++) coef[k] *= _s[k] / (_s[k] * _s[k] + _n * lambda);
        if (_v is null) return new RidgeModel(coef, mean, lambda); // centred coordinates on the axes: the intercept is the mean
        var w = new double[_d];
        double shift = 0;
        for (int j = 0; j < _d; j++)
        {
            double s = 0;
            for (int k = 0; k < _r; k++) s += _v[j * _r + k] * coef[k];
            w[j] = s;
            shift += _mean[j] * s;
        }
        return new RidgeModel(w, mean - shift, lambda);
    }

    /// <summary>The fit's effective degrees of freedom, sum s^2 / (s^2 + n lambda), plus one for the intercept.</summary>
    public double DegreesOfFreedom(double lambda) => 1 + _s.Sum(s => s * s / (s * s + _n * lambda));

}

/// <summary>Choosing ridge's lambda by k-fold cross-validation, one SVD per fold for every lambda and target.</summary>
public static class RidgeRegression
{
    /// <summary>One fold of a training design: the path on its fitting rows, and its validation rows (values and positions).</summary>
    public sealed record Fold(RidgePath Path, double[] Validate, int[] FitRows, int[] ValidateRows);

    public static IReadOnlyList<Fold> Folds(Tensor x, int folds)
    {
        var items = new List<Fold>();
        for (int f = 0; f < folds; f++)
        {
            var (fit, validate) = ProbeSplit.Fold((int)x.shape[0], folds, f);
            if (fit.Length < 2 || validate.Length == 0) continue;
            using var scope = NewDisposeScope();
            var path = new RidgePath(x.index_select(0, tensor(fit.Select(i => (long)i).ToArray())));
            items.Add(new Fold(path, RidgeModel.Managed(x.index_select(0, tensor(validate.Select(i => (long)i).ToArray()))), fit, validate));
        }
        return items;
    }

    /// <summary>The lambda with the lowest cross-validated mean squared error, and that error for each lambda; ties go to the stronger penalty.</summary>
    public static (double Lambda, double[] Mse) Select(IReadOnlyList<Fold> folds, double[] y, IReadOnlyList<double> lambdas)
    {
        var mse = new double[lambdas.Count];
        int total = folds.Sum(f => f.ValidateRows.Length);
        foreach (var (path, validate, fit, held) in folds)
        {
            var yFit = fit.Select(i => y[i]).ToArray();
            int d = validate.Length / held.Length;
            for (int l = 0; l < lambdas.Count; l++)
            {
                var p = path.Fit(yFit, lambdas[l]).Predict(validate, d);
                for (int i = 0; i < held.Length; i++) mse[l] += (y[held[i]] - p[i]) * (y[held[i]] - p[i]) / total;
            }
        }
        int best = Enumerable.Range(0, lambdas.Count).OrderByDescending(l => lambdas[l]).MinBy(l => mse[l]);
        return (lambdas[best], mse);
    }
}
