using MnistLab.Common;
using MnistLab.Import;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// An activation matrix given as it is (rows are samples, e.g. exported from PyTorch with numpy.save): a seeded share of
/// the rows is held out to measure the dictionary, the rest trains it. Owns its tensors.
/// </summary>
public sealed class MatrixRows : IActivationRows, IDisposable
{
    readonly Tensor _train, _test;

    /// <summary>
    /// Splits <paramref name="matrix"/> (N, d) float32: a share <paramref name="heldOut"/> of its rows, drawn from the
    /// stream "dictionary/held-out" of <paramref name="seed"/>, is the test set.
    /// </summary>
    public MatrixRows(Tensor matrix, double heldOut, long seed, string description)
    {
        if (matrix.dim() != 2) throw new ArgumentException($"{description}: expected rows (N, d), got ({string.Join(", ", matrix.shape)}).");
        long n = matrix.shape[0];
        int test = (int)Math.Round(n * heldOut);
        if (n < 2 || test < 1 || test >= n)
            throw new InvalidOptionException("activations", $"{description}: {n} rows cannot be split into training rows and {heldOut:P0} held out; give more rows.");
        var order = Enumerable.Range(0, (int)n).ToArray();
        Seeds.Random(seed, "dictionary/held-out").Shuffle(order);
        using var scope = NewDisposeScope();
        var x = matrix.to_type(ScalarType.Float32);
        _test = x.index_select(0, tensor(order[..test].Order().Select(i => (long)i).ToArray())).DetachFromDisposeScope();
        _train = x.index_select(0, tensor(order[test..].Order().Select(i => (long)i).ToArray())).DetachFromDisposeScope();
        Description = description;
    }

    /// <summary>Rows already split: <paramref name="train"/> (N, d) trains the dictionary, <paramref name="test"/> (M, d) measures it.</summary>
    public MatrixRows(Tensor train, Tensor test, string description)
    {
        if (train.dim() != 2 || test.dim() != 2 || train.shape[1] != test.shape[1] || train.shape[0] < 1 || test.shape[0] < 1)
            throw new ArgumentException($"{description}: expected training rows (N, d) and test rows (M, d), got ({string.Join(", ", train.shape)}) and ({string.Join(", ", test.shape)}).");
        // Copies it owns, whatever the caller does with its own.
        _train = train.to_type(ScalarType.Float32, copy: true).DetachFromDisposeScope();
        _test = test.to_type(ScalarType.Float32, copy: true).DetachFromDisposeScope();
        Description = description;
    }

    /// <summary>
    /// The matrix in a .npy file (2-D, float32 or float64, finite). A file that is missing or not such a matrix is bad
    /// usage, named with what is wrong.
    /// </summary>
    public static MatrixRows FromNpy(string path, double heldOut, long seed)
    {
        if (!File.Exists(path)) throw new InvalidOptionException("activations", $"{path}: no such file.");
        NpyArray array;
        try { array = NpyReader.Read(path); }
        catch (DataFormatException e) { throw new InvalidOptionException("activations", e.Message); }
        if (array.Shape.Length != 2)
            throw new InvalidOptionException("activations", $"{path}: expected a 2-D array (rows, features), got shape ({string.Join(", ", array.Shape)}).");
        if (array.Shape[1] < 1) throw new InvalidOptionException("activations", $"{path}: its rows have no features (shape ({string.Join(", ", array.Shape)})).");
        int bad = Array.FindIndex(array.Values, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new InvalidOptionException("activations", $"{path}: value {array.Values[bad]} at row {bad / array.Shape[1]}, column {bad % array.Shape[1]} is not a finite number.");
        using var matrix = tensor(array.Values, array.Shape);
        return new MatrixRows(matrix, heldOut, seed, $"{Path.GetFileName(path)} ({array.Shape[0]:N0} x {array.Shape[1]})");
    }

    public int Features => (int)_train.shape[1];
    public int RowsPerItem => 1;
    public int TrainItems => (int)_train.shape[0];
    public int TestItems => (int)_test.shape[0];
    public string Description { get; }

    public Tensor TrainRows(Tensor items) => _train.index_select(0, items);

    public Tensor TestRows(int start, int count) => _test.narrow(0, start, count);

    public void Dispose()
    {
        _train.Dispose();
        _test.Dispose();
    }
}
