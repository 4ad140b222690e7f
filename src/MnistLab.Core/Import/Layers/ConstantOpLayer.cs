using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import.Layers;

/// <summary>
/// Elementwise Add, Sub, Mul, Div, Pow or Equal of the input with a constant tensor of <paramref name="ConstantShape"/>
/// (numpy broadcasting, as ONNX and PyTorch share it); <paramref name="ConstantFirst"/> puts the constant on the
/// left (c - x, c / x, c ^ x). The constant is the module's buffer <c>value</c>, saved with the weights, of ONNX element
/// type <paramref name="ElementType"/>: float like the weights, or an integer or boolean type kept as the graph gave
/// it, so an integer compares exactly. It may not reach the batch dimension.
/// </summary>
public sealed record ConstantOpLayer(string Op, long[] ConstantShape, bool ConstantFirst = false, long ElementType = 1) : LayerSpec
{
    public static readonly IReadOnlyList<string> Ops = ["Add", "Sub", "Mul", "Div", "Pow", "Equal"];

    public override Module<Tensor, Tensor> Create() => new ConstantOpModule(Op, ConstantShape, ConstantFirst, OnnxTypes.Scalar(ElementType));

    public override string? Mismatch(long[] shape) =>
        !Ops.Contains(Op) ? $"unknown operation '{Op}'"
        : !OnnxTypes.Known(ElementType) ? $"element type {ElementType} is not one of {OnnxTypes.List}"
        : Broadcast.Shape(shape, ConstantShape) is null ? $"cannot broadcast {Dims(shape)} with a constant of shape ({string.Join(", ", ConstantShape)})"
        : Broadcast.SpansBatch(shape, ConstantShape) ? $"its constant of shape ({string.Join(", ", ConstantShape)}) reaches the batch dimension of {Dims(shape)}" : null;
}

public sealed class ConstantOpModule : Module<Tensor, Tensor>
{
    readonly string _op;
    readonly bool _first;
    readonly Tensor value;

    public ConstantOpModule(string op, long[] shape, bool constantFirst, ScalarType type) : base(op)
    {
        (_op, _first) = (op, constantFirst);
        value = zeros(shape, type);
        RegisterComponents();
    }

    public Tensor Value => value;

    /// <summary>The operation's ONNX name (Add, Sub, ...).</summary>
    public string Name => _op;

    /// <summary>Whether the constant is the left operand (c − x, c / x).</summary>
    public bool ConstantFirst => _first;

    public override Tensor forward(Tensor x)
    {
        var (a, b) = _first ? (value, x) : (x, value);
        return BinaryModule.Apply(_op, a, b);
    }
}

/// <summary>Numpy's broadcasting rule, shared by ONNX and PyTorch.</summary>
public static class Broadcast
{
    /// <summary>The broadcast shape of <paramref name="a"/> and <paramref name="b"/>, or null if they do not broadcast.</summary>
    public static long[]? Shape(long[] a, long[] b)
    {
        int n = Math.Max(a.Length, b.Length);
        var result = new long[n];
        for (int i = 0; i < n; i++)
        {
            long x = i < n - a.Length ? 1 : a[i - (n - a.Length)], y = i < n - b.Length ? 1 : b[i - (n - b.Length)];
            if (x != y && x != 1 && y != 1) return null;
            result[i] = x == 1 ? y : x;
        }
        return result;
    }

    /// <summary>
    /// True if a constant of <paramref name="constant"/>'s shape, broadcast with a computed value of <paramref name="computed"/>'s
    /// (batch first), would reach the batch dimension: the result would hold or add a dimension the batch does not have.
    /// </summary>
    public static bool SpansBatch(long[] computed, long[] constant) =>
        constant.Length > computed.Length || constant.Length == computed.Length && constant[0] != 1;
}
