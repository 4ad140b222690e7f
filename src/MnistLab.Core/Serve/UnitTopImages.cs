using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Serve;

/// <summary>
/// The test images that activate each unit of one point most: every unit's activation on every image (a channel's
/// averaged over its positions, the same score the page shows for it) and, per unit, the <see cref="Count"/> highest.
/// All units of a point come from one pass over the images, so a point is computed once and every unit of it is then
/// a lookup; only the top indices and values are kept, not the (images x units) table.
/// </summary>
public sealed class UnitTopImages
{
    readonly long[] _indices;
    readonly float[] _values;

    UnitTopImages(int count, long units, long[] indices, float[] values) => (Count, Units, _indices, _values) = (count, units, indices, values);

    /// <summary>Images kept per unit (16, or fewer when the set is smaller).</summary>
    public int Count { get; }

    public long Units { get; }

    /// <summary>Unit <paramref name="unit"/>'s top images, most active first: their index in the set and the unit's activation.</summary>
    public IReadOnlyList<(long Index, float Activation)> Of(long unit) =>
        Enumerable.Range(0, Count).Select(k => (_indices[k * Units + unit], _values[k * Units + unit])).ToList();

    /// <summary>
    /// Scores every unit of <paramref name="point"/> on <paramref name="images"/> (N, 1, 28, 28), in batches so the
    /// activations of the whole set are never held at once, and keeps each unit's <paramref name="count"/> highest.
    /// </summary>
    public static UnitTopImages Compute(LoadedModel loaded, string point, Tensor images, int count)
    {
        using var scope = NewDisposeScope();
        long n = images.shape[0];
        // A channel scores by its mean over the positions; a dense unit by its value.
        var scores = Activations.Collect(loaded.Model, loaded.Input, images, point, a =>
        {
            var f = a.to_type(ScalarType.Float32); // freed with the scope
            return a.dim() > 2 ? f.flatten(2).mean([2]) : f.reshape(a.shape[0], -1);
        });
        int k = (int)Math.Min(count, n);
        var (values, indices) = scores.topk(k, dim: 0);
        return new UnitTopImages(k, scores.shape[1], indices.contiguous().data<long>().ToArray(), values.contiguous().data<float>().ToArray());
    }
}
