using static TorchSharp.torch;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// A layer's features ready to be probed for any number of concepts: split into training and test rows, standardised
/// by the training rows' statistics (float64), with what every concept, its control task, the folds and the online
/// code's blocks share made once, on first use: the principal axes of the training rows (one SVD) and the rows'
/// coordinates on them, on which every probe is fitted; the ridge decompositions of each fold and block. Owns its tensors.
/// </summary>
public sealed class ProbeLayer : IDisposable
{
    PrincipalAxes? _axes;
    Tensor? _testScores;
    (int Count, IReadOnlyList<RidgeRegression.Fold> Folds)? _ridgeFolds;
    (int Count, IReadOnlyList<LogisticRegression.Fold> Folds)? _logisticFolds;
    SoftmaxRows? _trainRows, _testRows;
    RidgePath? _path;
    readonly Dictionary<int, RidgePath> _prefixes = [];
    double[]? _test, _train;

    public string Name { get; }
    public ProbeSplit Split { get; }
    public Standardizer Scaler { get; }

    /// <summary>Standardised features of the training rows, in <see cref="ProbeSplit.Train"/> order: (n_train, d) float64.</summary>
    public Tensor Train { get; }
    public Tensor Test { get; }
    public int Features => (int)Train.shape[1];

    /// <summary>How the layer's activations became these features (flattened, pooled or projected), for the report.</summary>
    public string Reduction { get; }

    ProbeLayer(string name, ProbeSplit split, Standardizer scaler, Tensor train, Tensor test, string reduction) =>
        (Name, Split, Scaler, Train, Test, Reduction) = (name, split, scaler, train, test, reduction);

    /// <summary>Prepares <paramref name="features"/> (N, d), one row per image in the order the split numbers them.</summary>
    public static ProbeLayer Prepare(string name, Tensor features, ProbeSplit split, string reduction = "")
    {
        if (features.dim() != 2 || features.shape[0] != split.Count)
            throw new ArgumentException($"{name}: expected features (N = {split.Count}, d), got ({string.Join(", ", features.shape)}).");
        using var scope = NewDisposeScope();
        var train = features.index_select(0, Rows(split.Train));
        var test = features.index_select(0, Rows(split.Test));
        var scaler = Standardizer.Fit(train);
        return new ProbeLayer(name, split, scaler, scaler.Apply(train).DetachFromDisposeScope(), scaler.Apply(test).DetachFromDisposeScope(), reduction);
    }

    /// <summary>The principal axes of the standardised training rows: the one decomposition every probe of the layer shares.</summary>
    public PrincipalAxes Axes => _axes ??= PrincipalAxes.Of(Train);

    /// <summary>The number of principal axes (the training rows' rank), the width every probe is fitted at.</summary>
    public int Rank => Axes.Rank;

    /// <summary>The test rows on the training rows' principal axes: (n_test, rank) float64.</summary>
    internal Tensor TestScores => _testScores ??= Axes.Project(Test);

    internal IReadOnlyList<RidgeRegression.Fold> RidgeFolds(int folds)
    {
        if (_ridgeFolds is not { } cached || cached.Count != folds) _ridgeFolds = cached = (folds, RidgeRegression.Folds(Axes.Scores, folds));
        return cached.Folds;
    }

    internal IReadOnlyList<LogisticRegression.Fold> LogisticFolds(int folds)
    {
        if (_logisticFolds is not { } cached || cached.Count != folds) _logisticFolds = cached = (folds, LogisticRegression.Folds(TrainRows, folds));
        return cached.Folds;
    }

    /// <summary>The training and test rows on the axes, as the logistic fits read them.</summary>
    internal SoftmaxRows TrainRows => _trainRows ??= new SoftmaxRows(TrainValues, Rank);
    internal SoftmaxRows TestRows => _testRows ??= new SoftmaxRows(TestValues, Rank);

    /// <summary>Ridge on all training rows, on the axes (weights per axis; <see cref="PrincipalAxes.ToFeatures"/> maps them back).</summary>
    internal RidgePath RidgePath => _path ??= RidgePath.OnAxes(Axes);

    /// <summary>The ridge path of the first <paramref name="rows"/> training rows (the online code's blocks), on the axes, made once.</summary>
    internal RidgePath Prefix(int rows)
    {
        if (!_prefixes.TryGetValue(rows, out var path))
        {
            using var scope = NewDisposeScope();
            _prefixes[rows] = path = new RidgePath(Axes.Scores.narrow(0, 0, rows));
        }
        return path;
    }

    /// <summary>The test and training rows on the axes as managed row-major arrays (n x rank).</summary>
    internal double[] TestValues => _test ??= RidgeModel.Managed(TestScores);
    internal double[] TrainValues => _train ??= RidgeModel.Managed(Axes.Scores);

    internal static Tensor Rows(int[] rows) => tensor(rows.Select(i => (long)i).ToArray());

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
        _axes?.Dispose();
        _testScores?.Dispose();
    }
}
