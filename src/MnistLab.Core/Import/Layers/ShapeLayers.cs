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
/// rest. The batch dimension stays free when the target begins with 0 or -1, as exporters write it.
/// </summary>
public sealed record ReshapeLayer(long[] Shape, bool AllowZero = false) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new ReshapeModule(Shape, AllowZero);

    public override string? Mismatch(long[] shape)
    {
        var target = ReshapeModule.Target(Shape, AllowZero, shape);
        long known = target.Where(d => d != -1).Aggregate(1L, (a, b) => a * b), total = shape.Aggregate(1L, (a, b) => a * b);
        int free = target.Count(d => d == -1);
        bool ok = free switch { 0 => known == total, 1 => known > 0 && total % known == 0, _ => false };
        return ok ? null : $"cannot reshape {Dims(shape)} to ({string.Join(", ", Shape)})";
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
