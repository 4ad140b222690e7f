using MnistLab.Import.Layers;
using static TorchSharp.torch;

namespace MnistLab.Import;

/// <summary>
/// Computes, at conversion time and with ONNX's semantics, the nodes whose inputs are all known: constants computed
/// from constants (a Cast bound, Resize's scales) and the shape arithmetic exporters write, such as PyTorch's
/// <c>x.view(x.size(0), -1)</c>, which becomes Shape, Gather, Unsqueeze and Concat feeding a Reshape. Shape reads the
/// traced shape of a computed value, whose batch size is unknown until the model runs: it is marked, operators that
/// only move elements (Gather, Slice, Concat, Reshape, Transpose, Expand, Where, Cast, ...) carry the mark, and any other
/// operator on a marked element is refused with the node named, except Equal with a value below 1, which no batch size
/// equals (PyTorch writes it into <c>expand</c>).
/// </summary>
public static class OnnxFolding
{
    /// <summary>The operators folded when all their inputs are known.</summary>
    public static readonly IReadOnlyList<string> Operators =
    [
        "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Transpose", "Reshape", "Expand", "Cast", "Identity",
        "ConstantOfShape", "Equal", "Where", "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Sqrt", "Exp", "Log", "Erf", "Clip", "ReduceMean",
    ];

    /// <summary>The most elements a folded constant may have: shape arithmetic and settings are small, a damaged shape need not be.</summary>
    public const long MaxElements = 1 << 24;

    /// <summary>The value of <paramref name="node"/>, all of whose inputs are known (Shape's may be computed).</summary>
    public static FoldedValue Fold(OnnxNode node)
    {
        switch (node.Op)
        {
            case "Shape":
                return Shape(node);
            case "Identity":
                return Data(node, 0);
            case "Gather":
            {
                var data = Data(node, 0);
                var indices = node.NeedConst(1, "indices");
                if (indices.dtype is not (ScalarType.Int32 or ScalarType.Int64)) throw node.Bad($"its indices are {indices.dtype}; ONNX takes int32 or int64 indices");
                long axis = node.Int("axis", 0);
                if (GatherLayer.Check(data.Value.shape, axis, OnnxNode.Longs(indices), hasBatch: false) is { } problem) throw node.Bad(problem);
                return Move(data, t => GatherLayer.Apply(t, axis, indices));
            }
            case "Unsqueeze":
            {
                var data = Data(node, 0);
                long[] axes = node.Axes(inputSince: 13) ?? throw node.Bad("its axes are missing");
                if (UnsqueezeLayer.Check((int)data.Value.dim(), axes, hasBatch: false) is { } problem) throw node.Bad(problem);
                return Move(data, t => UnsqueezeLayer.Apply(t, axes));
            }
            case "Squeeze":
            {
                var data = Data(node, 0);
                long[] axes = node.Axes(inputSince: 13) ?? [.. Enumerable.Range(0, (int)data.Value.dim()).Where(i => data.Value.shape[i] == 1).Select(i => (long)i)];
                if (SqueezeLayer.Check(data.Value.shape, axes, hasBatch: false) is { } problem) throw node.Bad(problem);
                return Move(data, t => SqueezeLayer.Apply(t, axes));
            }
            case "Slice":
            {
                var data = Data(node, 0);
                var (starts, ends, axes, steps) = node.SliceArguments();
                if (SliceLayer.Check((int)data.Value.dim(), starts, ends, axes, steps, hasBatch: false) is { } problem) throw node.Bad(problem);
                return Move(data, t => SliceLayer.Apply(t, starts, ends, axes, steps));
            }
            case "Transpose":
            {
                var data = Data(node, 0);
                int rank = (int)data.Value.dim();
                long[] perm = node.Ints("perm") ?? [.. Enumerable.Range(0, rank).Reverse().Select(i => (long)i)];
                if (TransposeLayer.Check(rank, perm, hasBatch: false) is { } problem) throw node.Bad(problem);
                return Move(data, t => t.permute(perm));
            }
            case "Reshape":
            {
                var data = Data(node, 0);
                long[] target = ReshapeModule.Target(OnnxNode.Longs(node.NeedConst(1, "target shape")), node.Int("allowzero", 0) != 0, data.Value.shape);
                long known = target.Where(d => d != -1).Aggregate(1L, (a, b) => a * b), total = data.Value.numel();
                int free = target.Count(d => d == -1);
                bool fits = target.All(d => d >= -1) && free switch { 0 => known == total, 1 => known > 0 && total % known == 0, _ => false };
                if (!fits) throw node.Bad($"cannot reshape a constant of shape ({string.Join(", ", data.Value.shape)}) to {OnnxNode.Show(target)}");
                return Move(data, t => t.reshape(target));
            }
            case "Expand":
            {
                var data = Data(node, 0);
                long[] target = OnnxNode.Longs(node.NeedConst(1, "shape"));
                if (ExpandLayer.Check(data.Value.shape, target, hasBatch: false) is { } problem) throw node.Bad(problem);
                return Move(data, t => ExpandLayer.Apply(t, target).contiguous());
            }
            case "Concat":
                return Concat(node);
            case "Cast":
            {
                var data = Data(node, 0);
                long to = node.Int("to", 0);
                if (!OnnxTypes.Known(to)) throw node.Bad($"element type {to} is not one MnistLab casts to ({OnnxTypes.List})");
                if (data.HasBatch && to == 9) throw node.Bad("it casts the batch size to a boolean");
                return new FoldedValue(data.Value.to_type(OnnxTypes.Scalar(to)), data.Batch);
            }
            case "ConstantOfShape":
                return ConstantOfShape(node);
            case "Equal":
                return Equal(node);
            case "Where":
                return Where(node);
            case "Add" or "Sub" or "Mul" or "Div" or "Pow":
            {
                Tensor a = node.NeedConst(0, "first operand"), b = node.NeedConst(1, "second operand");
                if (node.Op != "Pow" && a.dtype != b.dtype) throw node.Bad($"its operands are {a.dtype} and {b.dtype}; ONNX takes one element type");
                if (Broadcast.Shape(a.shape, b.shape) is null) throw node.Bad($"its operands of shapes ({string.Join(", ", a.shape)}) and ({string.Join(", ", b.shape)}) do not broadcast");
                return new FoldedValue(BinaryModule.Apply(node.Op, a, b));
            }
            case "Neg" or "Sqrt" or "Exp" or "Log" or "Erf":
                return new FoldedValue(UnaryOpLayer.Apply(node.Op, node.NeedConst(0, "input")));
            case "Clip":
            {
                var (min, max) = node.ClipBounds();
                return new FoldedValue(ClipLayer.Apply(node.NeedConst(0, "input"), min, max));
            }
            case "ReduceMean":
            {
                var x = node.NeedConst(0, "input");
                if (!is_floating_point(x)) throw node.Bad($"it averages {x.dtype} values; MnistLab averages floating-point values");
                long[] axes = node.Axes(inputSince: 18) ?? [];
                if (axes.Length == 0 && node.Int("noop_with_empty_axes", 0) != 0) return new FoldedValue(x);
                if (ReduceMeanLayer.Check((int)x.dim(), axes, hasBatch: false) is { } problem) throw node.Bad(problem);
                return new FoldedValue(ReduceMeanLayer.Apply(x, axes, node.Int("keepdims", 1) != 0));
            }
            default:
                throw new InvalidOperationException($"{node.Where}: no folding for {node.Op}");
        }
    }

    /// <summary>Known input <paramref name="i"/>, batch marks included: the data an operator moves.</summary>
    static FoldedValue Data(OnnxNode node, int i) => node.Known(i) ?? throw node.Bad($"its {OnnxNode.Ordinal(i)} input is missing");

    /// <summary>The elements moved by <paramref name="move"/>, and the batch marks with them.</summary>
    static FoldedValue Move(FoldedValue data, Func<Tensor, Tensor> move) => new(move(data.Value), data.Batch is { } batch ? move(batch) : null);

    static Tensor Marks(FoldedValue v) => v.Batch ?? zeros(v.Value.shape, ScalarType.Bool);

    /// <summary>The shape of a computed value, whose first size is the batch (marked), or of a constant; opset 15's start and end take a part.</summary>
    static FoldedValue Shape(OnnxNode node)
    {
        bool computed = node.IsComputed(0);
        long[] dims = computed ? node.Computed(0).Shape : Data(node, 0).Value.shape;
        if (node.Opset < 15 && (node.HasAttribute("start") || node.HasAttribute("end"))) throw node.Bad($"in opset {node.Opset} Shape has no start and end (since opset 15)");
        int rank = dims.Length;
        long Clamp(long v) => v < 0 ? Math.Max(0, v + rank) : Math.Min(v, rank);
        int start = (int)Clamp(node.Int("start", 0)), end = Math.Max(start, (int)Clamp(node.Int("end", rank)));
        var value = tensor(dims[start..end]);
        return computed && start == 0 && end > 0
            ? new FoldedValue(value, tensor(Enumerable.Range(0, end).Select(i => i == 0).ToArray()))
            : new FoldedValue(value);
    }

    static FoldedValue Concat(OnnxNode node)
    {
        if (!node.HasAttribute("axis")) throw node.Bad("its axis is missing");
        long axis = node.Int("axis", 0);
        var parts = Enumerable.Range(0, node.Inputs.Count).Select(i => Data(node, i)).ToList();
        int rank = (int)parts[0].Value.dim();
        if (axis < -rank || axis >= rank) throw node.Bad($"axis {axis} is outside inputs of rank {rank}");
        long a = axis < 0 ? axis + rank : axis;
        foreach (var p in parts)
            if (p.Value.dim() != rank || p.Value.dtype != parts[0].Value.dtype || Enumerable.Range(0, rank).Any(d => d != a && p.Value.shape[d] != parts[0].Value.shape[d]))
                throw node.Bad($"its inputs of shapes {string.Join(", ", parts.Select(q => $"({string.Join(", ", q.Value.shape)}) {q.Value.dtype}"))} do not join along axis {axis}");
        var value = cat(parts.Select(p => p.Value).ToArray(), a);
        return parts.Any(p => p.HasBatch) ? new FoldedValue(value, cat(parts.Select(Marks).ToArray(), a)) : new FoldedValue(value);
    }

    static FoldedValue ConstantOfShape(OnnxNode node)
    {
        if (Data(node, 0).HasBatch) throw node.Bad("its shape holds the batch size, which is unknown until the model runs; a constant cannot have it");
        long[] shape = OnnxNode.Longs(node.NeedConst(0, "shape"));
        if (shape.Any(d => d < 0)) throw node.Bad($"its shape {OnnxNode.Show(shape)} holds a negative size");
        if (shape.Aggregate(1.0, (a, b) => a * b) > MaxElements) throw node.Bad($"it makes a constant of shape {OnnxNode.Show(shape)}, more than {MaxElements} elements");
        var fill = node.TensorAttribute("value") ?? zeros(1); // ONNX's default: a float 0
        if (fill.numel() != 1) throw node.Bad($"its value has {fill.numel()} elements; ONNX takes one");
        return new FoldedValue(fill.reshape(Array.Empty<long>()).expand(shape).clone());
    }

    /// <summary>
    /// ONNX Equal (numpy broadcasting). An element marked as the batch size equals itself, and differs from every value
    /// below 1 whatever the batch; against any other value the answer would depend on the batch, so it is refused.
    /// </summary>
    static FoldedValue Equal(OnnxNode node)
    {
        FoldedValue a = Data(node, 0), b = Data(node, 1);
        if (a.Value.dtype != b.Value.dtype) throw node.Bad($"its operands are {a.Value.dtype} and {b.Value.dtype}; ONNX takes one element type");
        if (node.Opset < 11 && is_floating_point(a.Value)) throw node.Bad($"in opset {node.Opset} Equal compares integers and booleans only (floating point since opset 11)");
        if (Broadcast.Shape(a.Value.shape, b.Value.shape) is not { } shape)
            throw node.Bad($"its operands of shapes ({string.Join(", ", a.Value.shape)}) and ({string.Join(", ", b.Value.shape)}) do not broadcast");
        var result = a.Value.eq(b.Value);
        if (!a.HasBatch && !b.HasBatch) return new FoldedValue(result);
        Tensor markA = Marks(a).expand(shape), markB = Marks(b).expand(shape), valueA = a.Value.expand(shape), valueB = b.Value.expand(shape);
        Tensor onlyA = markA.logical_and(markB.logical_not()), onlyB = markB.logical_and(markA.logical_not());
        var undecided = onlyA.logical_and(valueB.ge(1)).logical_or(onlyB.logical_and(valueA.ge(1)));
        if (undecided.any().item<bool>())
        {
            double other = where(onlyA, valueB, valueA).masked_select(undecided)[0].to_type(ScalarType.Float64).item<double>();
            throw node.Bad($"it compares the batch size (from Shape) with {other}, which holds for one batch size only");
        }
        return new FoldedValue(result.logical_and(onlyA.logical_or(onlyB).logical_not()).logical_or(markA.logical_and(markB)));
    }

    static FoldedValue Where(OnnxNode node)
    {
        var condition = node.NeedConst(0, "condition");
        if (condition.dtype != ScalarType.Bool) throw node.Bad($"its condition is {condition.dtype}; ONNX takes booleans");
        FoldedValue x = Data(node, 1), y = Data(node, 2);
        if (x.Value.dtype != y.Value.dtype) throw node.Bad($"its values are {x.Value.dtype} and {y.Value.dtype}; ONNX takes one element type");
        if (Broadcast.Shape(condition.shape, x.Value.shape) is not { } s || Broadcast.Shape(s, y.Value.shape) is null)
            throw node.Bad($"its inputs of shapes ({string.Join(", ", condition.shape)}), ({string.Join(", ", x.Value.shape)}) and ({string.Join(", ", y.Value.shape)}) do not broadcast");
        var value = where(condition, x.Value, y.Value);
        return x.HasBatch || y.HasBatch ? new FoldedValue(value, where(condition, Marks(x), Marks(y))) : new FoldedValue(value);
    }
}
