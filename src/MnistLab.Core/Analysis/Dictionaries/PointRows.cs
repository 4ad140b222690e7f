using MnistLab.Data;
using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// The activations at a named point of a model, read from the model batch by batch as they are needed, never all held at
/// once: a conv point (N, C, H, W) gives one row per position with its C channels as the features, any other point one
/// row per image (its values flattened). The training images train the dictionary, the test images measure it. Does not
/// own the model or the images.
/// </summary>
public sealed class PointRows : IActivationRows
{
    readonly LoadedModel _model;
    readonly int _readBatch;

    /// <summary>Reads <paramref name="point"/> of <paramref name="model"/>; an unknown point is bad usage listing the model's points.</summary>
    public PointRows(LoadedModel model, string point, LabeledImages train, LabeledImages test, int readBatch = 500)
    {
        Activations.Find(model.Model, point);
        (_model, Point, Train, Test, _readBatch) = (model, point, train, test, readBatch);
        using var scope = NewDisposeScope();
        using var cache = Activations.Run(model.Model, model.Input(test.Images.narrow(0, 0, 1)), [point]);
        Shape = cache[point].shape[1..];
        IsConv = Shape.Length == 3;
        Features = (int)(IsConv ? Shape[0] : Shape.Aggregate(1L, (a, b) => a * b));
        RowsPerItem = IsConv ? (int)(Shape[1] * Shape[2]) : 1;
    }

    public string Point { get; }
    public LoadedModel Model => _model;
    public LabeledImages Train { get; }
    public LabeledImages Test { get; }

    /// <summary>The point's shape for one image: (C, H, W) for a conv point, else what the layer gives.</summary>
    public long[] Shape { get; }

    /// <summary>A feature map read per position, channels as the features.</summary>
    public bool IsConv { get; }

    public int Features { get; }
    public int RowsPerItem { get; }
    public int TrainItems => Train.Count;
    public int TestItems => Test.Count;

    public string Description => $"point '{Point}' of {_model.Source}, shape ({string.Join(", ", Shape)})" +
                                 (IsConv ? $", read per position: {RowsPerItem} rows of {Features} channels per image" : $", {Features} values per image");

    public Tensor TrainRows(Tensor items) => Read(Train, items);

    public Tensor TestRows(int start, int count) => Read(Test, arange(start, start + count, dtype: ScalarType.Int64));

    /// <summary>The point's activation (N, ...) for images (N, 1, 28, 28) in [0, 1].</summary>
    public Tensor Activation(Tensor images)
    {
        using var cache = Activations.Run(_model.Model, _model.Input(images), [Point]);
        return cache[Point].clone();
    }

    /// <summary>Rows (N · rows per item, d) of an activation (N, ...).</summary>
    public Tensor ToRows(Tensor activation) =>
        (IsConv ? activation.permute(0, 2, 3, 1).reshape(-1, Features) : activation.reshape(activation.shape[0], Features)).to_type(ScalarType.Float32);

    /// <summary>The activation (N, ...) that <paramref name="rows"/> stand for: the inverse of <see cref="ToRows"/>.</summary>
    public Tensor FromRows(Tensor rows)
    {
        long n = rows.shape[0] / RowsPerItem;
        return IsConv ? rows.reshape(n, Shape[1], Shape[2], Shape[0]).permute(0, 3, 1, 2).contiguous() : rows.reshape([n, .. Shape]);
    }

    Tensor Read(LabeledImages set, Tensor items)
    {
        using var scope = NewDisposeScope();
        long n = items.shape[0];
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += _readBatch)
        {
            var images = set.Images.index_select(0, items.narrow(0, start, Math.Min(_readBatch, n - start)));
            parts.Add(ToRows(Activation(images)));
        }
        return (parts.Count == 1 ? parts[0] : cat(parts, 0)).MoveToOuterDisposeScope();
    }
}
