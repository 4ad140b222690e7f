using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import.Layers;

/// <summary>
/// ONNX Gather with constant indices: the slices at <paramref name="Indices"/> (of shape <paramref name="IndicesShape"/>;
/// a negative index counts from the end) along <paramref name="Axis"/>, whose place the indices' dimensions take (a
/// scalar index removes it): <c>x[:, 0]</c> and <c>x[:, -1]</c> as PyTorch exports them.
/// </summary>
public sealed record GatherLayer(long Axis, long[] Indices, long[] IndicesShape) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new GatherModule(Axis, Indices, IndicesShape);

    public override string? Mismatch(long[] shape) =>
        IndicesShape.Aggregate(1L, (a, b) => a * b) != Indices.Length ? $"{Indices.Length} indices do not fill the shape ({string.Join(", ", IndicesShape)})"
        : Check(shape, Axis, Indices, hasBatch: true);

    /// <summary>Null if <paramref name="indices"/> along <paramref name="axis"/> fit an input of <paramref name="shape"/>, else what is wrong.</summary>
    public static string? Check(long[] shape, long axis, long[] indices, bool hasBatch)
    {
        if (axis < -shape.Length || axis >= shape.Length) return $"axis {axis} is outside an input of rank {shape.Length}";
        long a = axis < 0 ? axis + shape.Length : axis;
        if (hasBatch && a == 0) return "it gathers along axis 0, the batch: it would pick images, not features of each image";
        long n = shape[a];
        foreach (long i in indices)
            if (i < -n || i >= n) return $"index {i} is out of range for axis {axis} of size {n}; ONNX takes indices in [{-n}, {n - 1}]";
        return null;
    }

    /// <summary>ONNX Gather of <paramref name="x"/>; the indices must fit (<see cref="Check"/>).</summary>
    public static Tensor Apply(Tensor x, long axis, Tensor indices)
    {
        int a = (int)(axis < 0 ? axis + x.dim() : axis);
        long n = x.shape[a];
        var flat = indices.reshape(-1).to_type(ScalarType.Int64);
        flat = where(flat < 0, flat + n, flat);
        return x.index_select(a, flat).reshape([.. x.shape[..a], .. indices.shape, .. x.shape[(a + 1)..]]);
    }
}

public sealed class GatherModule(long axis, long[] indices, long[] indicesShape) : Module<Tensor, Tensor>("Gather")
{
    public override Tensor forward(Tensor x) => GatherLayer.Apply(x, axis, tensor(indices, indicesShape));
}

/// <summary>
/// ONNX Slice with constant starts, ends, axes and steps, resolved against the input's sizes as the specification says
/// (negative values count from the end, then clamped; a negative step runs backwards, as PyTorch exports <c>flip</c>).
/// The batch dimension may only be taken whole.
/// </summary>
public sealed record SliceLayer(long[] Starts, long[] Ends, long[] Axes, long[] Steps) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new SliceModule(Starts, Ends, Axes, Steps);

    public override string? Mismatch(long[] shape) => Check(shape.Length, Starts, Ends, Axes, Steps, hasBatch: true);

    /// <summary>Null if the slice fits an input of <paramref name="rank"/>, else what is wrong.</summary>
    public static string? Check(int rank, long[] starts, long[] ends, long[] axes, long[] steps, bool hasBatch)
    {
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            return $"starts, ends, axes and steps have {starts.Length}, {ends.Length}, {axes.Length} and {steps.Length} values; they must have as many";
        var seen = new HashSet<long>();
        for (int k = 0; k < axes.Length; k++)
        {
            if (axes[k] < -rank || axes[k] >= rank) return $"axis {axes[k]} is outside an input of rank {rank}";
            long a = axes[k] < 0 ? axes[k] + rank : axes[k];
            if (!seen.Add(a)) return $"axis {axes[k]} is sliced twice";
            if (steps[k] == 0) return $"the step along axis {axes[k]} is 0";
            bool whole = steps[k] == 1 && (starts[k] == 0 || starts[k] <= -int.MaxValue) && ends[k] >= int.MaxValue;
            if (hasBatch && a == 0 && !whole) return $"it slices axis 0, the batch, from {starts[k]} to {ends[k]} by {steps[k]}; only the whole batch can be taken";
        }
        return null;
    }

    /// <summary>ONNX Slice of <paramref name="x"/>; the slice must fit (<see cref="Check"/>).</summary>
    public static Tensor Apply(Tensor x, long[] starts, long[] ends, long[] axes, long[] steps)
    {
        for (int k = 0; k < axes.Length; k++)
        {
            long a = axes[k] < 0 ? axes[k] + x.dim() : axes[k];
            var (start, end) = Range(starts[k], ends[k], steps[k], x.shape[a]);
            bool none = steps[k] > 0 ? start >= end : start <= end;
            x = x.index_select(a, none ? empty(0, ScalarType.Int64) : arange(start, end, steps[k], ScalarType.Int64));
        }
        return x;
    }

    /// <summary>The specification's resolution of a start and end for a dimension of <paramref name="size"/>.</summary>
    static (long Start, long End) Range(long start, long end, long step, long size)
    {
        if (start < 0) start += size;
        if (end < 0) end += size;
        return step > 0
            ? (Math.Clamp(start, 0, size), Math.Clamp(end, 0, size))
            : (Math.Clamp(start, 0, size - 1), Math.Clamp(end, -1, size - 1));
    }
}

public sealed class SliceModule(long[] starts, long[] ends, long[] axes, long[] steps) : Module<Tensor, Tensor>("Slice")
{
    public override Tensor forward(Tensor x) => SliceLayer.Apply(x, starts, ends, axes, steps);
}
