using static TorchSharp.torch;

namespace MnistLab.Data;

/// <summary>
/// Mini-batches of a <see cref="LabeledImages"/> taken by index from the in-memory tensors: no per-item
/// work, no copies beyond the batch itself. A seeded generator makes the shuffle repeat exactly.
/// </summary>
public static class Batches
{
    /// <summary>The batch order for one epoch: a permutation from <paramref name="generator"/>, or 0..n-1.</summary>
    public static Tensor Order(int count, Generator? generator) =>
        generator is null ? arange(count, dtype: ScalarType.Int64) : randperm(count, generator: generator, dtype: ScalarType.Int64);

    /// <summary>
    /// Yields (x, y) for each batch, each inside its own dispose scope that closes when the loop moves on:
    /// the batch and every tensor the loop body makes in that step are freed then, so a training loop needs
    /// no scope of its own. A tensor that must outlive its step must be detached from the scope.
    /// The last batch may be smaller, as with PyTorch's DataLoader (drop_last=False).
    /// </summary>
    public static IEnumerable<(Tensor X, Tensor Y)> Of(LabeledImages data, int batchSize, Generator? shuffle)
    {
        using var order = Order(data.Count, shuffle);
        for (int start = 0; start < data.Count; start += batchSize)
        {
            using var step = NewDisposeScope();
            int n = Math.Min(batchSize, data.Count - start);
            var idx = order.narrow(0, start, n);
            yield return (data.Images.index_select(0, idx), data.Labels.index_select(0, idx));
        }
    }

    public static int CountOf(int items, int batchSize) => (items + batchSize - 1) / batchSize;
}
