using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import.Layers;

/// <summary>nn.Flatten(start_dim=1, end_dim=-1).</summary>
public sealed record FlattenLayer(long StartDim = 1, long EndDim = -1) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => Flatten(StartDim, EndDim);

    public override string? Mismatch(long[] shape)
    {
        long s = StartDim < 0 ? StartDim + shape.Length : StartDim, e = EndDim < 0 ? EndDim + shape.Length : EndDim;
        return s < 0 || e >= shape.Length || s > e ? $"dims {StartDim}..{EndDim} do not fit an input of rank {shape.Length}" : null;
    }
}

/// <summary>
/// ONNX Reshape with a constant target: 0 copies the input's size at that position (unless allowzero), -1 takes the
/// rest. The target must begin with 0 or -1, so the batch dimension stays free, as exporters write it (the converter
/// writes 0 where the graph computed the batch size with Shape).
/// </summary>
public sealed record ReshapeLayer(long[] Shape, bool AllowZero = false) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new ReshapeModule(Shape, AllowZero);

    public override string? Mismatch(long[] shape)
    {
        // A leading 0 copies the batch (unless allowzero): written N, as the user reads the target.
        string to = $"({string.Join(", ", Shape.Select((d, i) => i == 0 && d == 0 && !AllowZero ? "N" : $"{d}"))})";
        if (Shape.Length == 0 || !(Shape[0] == -1 || Shape[0] == 0 && !AllowZero))
            return $"its target {to} fixes the batch size: the first size must be 0 or -1 (or the batch size read with Shape)";
        var target = ReshapeModule.Target(Shape, AllowZero, shape);
        long known = target.Where(d => d != -1).Aggregate(1L, (a, b) => a * b), total = shape.Aggregate(1L, (a, b) => a * b);
        int free = target.Count(d => d == -1);
        bool ok = free switch { 0 => known == total, 1 => known > 0 && total % known == 0, _ => false };
        return ok ? null : $"cannot reshape {Dims(shape)} ({total / shape[0]} values per image) to {to}";
    }
}

public sealed class ReshapeModule(long[] shape, bool allowZero) : Module<Tensor, Tensor>("Reshape")
{
    public override Tensor forward(Tensor x) => x.reshape(Target(shape, allowZero, x.shape));

    internal static long[] Target(long[] shape, bool allowZero, long[] input) =>
        shape.Select((d, i) => d == 0 && !allowZero && i < input.Length ? input[i] : d).ToArray();
}

/// <summary>Constant padding of the last two dimensions (ONNX Pad in constant mode, which PyTorch's exporter writes before AveragePool).</summary>
public sealed record ConstantPad2dLayer(long Left, long Right, long Top, long Bottom, double Value = 0) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => ConstantPad2d((Left, Right, Top, Bottom), Value);

    public override string? Mismatch(long[] shape) =>
        NeedRank(shape, 4) ?? (new[] { Left, Right, Top, Bottom }.Any(p => p < 0) ? "negative padding is not supported" : null);
}

/// <summary>ONNX Unsqueeze: dimensions of size 1 inserted at <paramref name="Axes"/> (positions in the output, negative from its end).</summary>
public sealed record UnsqueezeLayer(long[] Axes) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new UnsqueezeModule(Axes);

    public override string? Mismatch(long[] shape) => Check(shape.Length, Axes, hasBatch: true);

    public static string? Check(int rank, long[] axes, bool hasBatch)
    {
        int outRank = rank + axes.Length;
        if (axes.Any(a => a < -outRank || a >= outRank)) return $"axes {OnnxNode.Show(axes)} do not fit an output of rank {outRank}";
        var normal = axes.Select(a => a < 0 ? a + outRank : a).ToList();
        if (normal.Distinct().Count() != normal.Count) return $"axes {OnnxNode.Show(axes)} name a position twice";
        return hasBatch && normal.Contains(0) ? "it inserts a dimension before the batch (axis 0)" : null;
    }

    public static Tensor Apply(Tensor x, long[] axes)
    {
        int outRank = (int)x.dim() + axes.Length;
        var inserted = axes.Select(a => a < 0 ? a + outRank : a).ToHashSet();
        var shape = new long[outRank];
        for (int i = 0, j = 0; i < outRank; i++) shape[i] = inserted.Contains(i) ? 1 : x.shape[j++];
        return x.reshape(shape);
    }
}

public sealed class UnsqueezeModule(long[] axes) : Module<Tensor, Tensor>("Unsqueeze")
{
    public override Tensor forward(Tensor x) => UnsqueezeLayer.Apply(x, axes);
}

/// <summary>ONNX Squeeze: the dimensions of size 1 at <paramref name="Axes"/> removed (the converter names them when the graph does not).</summary>
public sealed record SqueezeLayer(long[] Axes) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new SqueezeModule(Axes);

    public override string? Mismatch(long[] shape) => Check(shape, Axes, hasBatch: true);

    public static string? Check(long[] shape, long[] axes, bool hasBatch)
    {
        if (axes.Any(a => a < -shape.Length || a >= shape.Length)) return $"axes {OnnxNode.Show(axes)} do not fit an input of rank {shape.Length}";
        var normal = axes.Select(a => a < 0 ? a + shape.Length : a).ToList();
        if (normal.Distinct().Count() != normal.Count) return $"axes {OnnxNode.Show(axes)} name a dimension twice";
        if (hasBatch && normal.Contains(0)) return "it removes axis 0, the batch";
        foreach (long a in normal)
            if (shape[a] != 1) return $"axis {a} has size {shape[a]}; Squeeze removes dimensions of size 1 only";
        return null;
    }

    public static Tensor Apply(Tensor x, long[] axes)
    {
        var removed = axes.Select(a => a < 0 ? a + x.dim() : a).ToHashSet();
        return x.reshape(x.shape.Where((_, i) => !removed.Contains(i)).ToArray());
    }
}

public sealed class SqueezeModule(long[] axes) : Module<Tensor, Tensor>("Squeeze")
{
    public override Tensor forward(Tensor x) => SqueezeLayer.Apply(x, axes);
}

/// <summary>ONNX Transpose: the input's dimensions in the order <paramref name="Perm"/> (x.permute); the batch stays first.</summary>
public sealed record TransposeLayer(long[] Perm) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new TransposeModule(Perm);

    public override string? Mismatch(long[] shape) => Check(shape.Length, Perm, hasBatch: true);

    public static string? Check(int rank, long[] perm, bool hasBatch)
    {
        if (perm.Length != rank || !perm.Order().SequenceEqual(Enumerable.Range(0, rank).Select(i => (long)i)))
            return $"perm {OnnxNode.Show(perm)} is not an order of the {rank} dimensions 0..{rank - 1}";
        return hasBatch && perm[0] != 0 ? $"perm {OnnxNode.Show(perm)} moves the batch (axis 0)" : null;
    }
}

public sealed class TransposeModule(long[] perm) : Module<Tensor, Tensor>("Transpose")
{
    public override Tensor forward(Tensor x) => x.permute(perm);
}

/// <summary>
/// ONNX Expand: the input broadcast with <paramref name="Shape"/> (numpy's rule, so a 1 in the shape keeps the input's size).
/// The converter writes 1 where the graph computed the batch size, so the batch passes through.
/// </summary>
public sealed record ExpandLayer(long[] Shape) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new ExpandModule(Shape);

    public override string? Mismatch(long[] shape) => Check(shape, Shape, hasBatch: true);

    public static string? Check(long[] shape, long[] target, bool hasBatch)
    {
        if (target.Any(d => d < 0)) return $"the shape {OnnxNode.Show(target)} holds a negative size";
        if (Broadcast.Shape(shape, target) is null) return $"cannot broadcast {(hasBatch ? Dims(shape) : $"({string.Join(", ", shape)})")} to {OnnxNode.Show(target)}";
        if (hasBatch && target.Length > shape.Length) return $"the shape {OnnxNode.Show(target)} adds dimensions before the batch";
        if (hasBatch && target.Length == shape.Length && target[0] != 1) return $"it expands the batch (axis 0) to {target[0]}";
        double perImage = Broadcast.Shape(shape, target)!.Skip(hasBatch ? 1 : 0).Aggregate(1.0, (a, b) => a * b);
        return perImage > OnnxFolding.MaxElements ? $"it expands to {perImage} values{(hasBatch ? " per image" : "")}, more than {OnnxFolding.MaxElements}" : null;
    }

    public static Tensor Apply(Tensor x, long[] target) => x.expand(Broadcast.Shape(x.shape, target)!);
}

public sealed class ExpandModule(long[] shape) : Module<Tensor, Tensor>("Expand")
{
    public override Tensor forward(Tensor x) => ExpandLayer.Apply(x, shape);
}
