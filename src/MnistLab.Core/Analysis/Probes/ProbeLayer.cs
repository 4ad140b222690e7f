using static TorchSharp.torch;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// A layer's features ready to be probed for any number of concepts: split into training and test rows, standardised
/// by the training rows' statistics (float64), with the ridge decompositions every continuous concept and its control
/// share made once, on first use. Owns its tensors.
/// </summary>
public sealed class ProbeLayer : IDisposable
{
    IReadOnlyList<RidgeRegression.Fold>? _folds;
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

    internal IReadOnlyList<RidgeRegression.Fold> RidgeFolds(int folds) => _folds ??= RidgeRegression.Folds(Train, folds);
    internal RidgePath RidgePath => _path ??= new RidgePath(Train);

    /// <summary>The ridge path of the first <paramref name="rows"/> training rows (the online code's blocks), made once.</summary>
    internal RidgePath Prefix(int rows)
    {
        if (!_prefixes.TryGetValue(rows, out var path))
        {
            using var scope = NewDisposeScope();
            _prefixes[rows] = path = new RidgePath(Train.narrow(0, 0, rows));
        }
        return path;
    }

    /// <summary>The test rows as a managed row-major array.</summary>
    internal double[] TestValues => _test ??= RidgeModel.Managed(Test);
    internal double[] TrainValues => _train ??= RidgeModel.Managed(Train);

    internal static Tensor Rows(int[] rows) => tensor(rows.Select(i => (long)i).ToArray());

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
