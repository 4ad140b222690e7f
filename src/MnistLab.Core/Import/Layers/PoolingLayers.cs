using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import.Layers;

/// <summary>nn.MaxPool2d; stride defaults to the kernel size, as in PyTorch.</summary>
public sealed record MaxPool2dLayer(IntPair KernelSize) : LayerSpec
{
    public IntPair? Stride { get; init; }
    public IntPair Padding { get; init; } = 0;
    public IntPair Dilation { get; init; } = 1;
    public bool CeilMode { get; init; }

    public override Module<Tensor, Tensor> Create() =>
        MaxPool2d(KernelSize.ToArray(), (Stride ?? KernelSize).ToArray(), Padding.ToArray(), Dilation.ToArray(), CeilMode);

    public override string? Mismatch(long[] shape) => Pooling.Check(shape, KernelSize, Stride ?? KernelSize, Padding, Dilation);
}

/// <summary>nn.AvgPool2d; stride defaults to the kernel size; count_include_pad True by default, as in PyTorch.</summary>
public sealed record AvgPool2dLayer(IntPair KernelSize) : LayerSpec
{
    public IntPair? Stride { get; init; }
    public IntPair Padding { get; init; } = 0;
    public bool CeilMode { get; init; }
    public bool CountIncludePad { get; init; } = true;
    public long? DivisorOverride { get; init; }

    public override Module<Tensor, Tensor> Create() =>
        AvgPool2d(KernelSize.ToArray(), (Stride ?? KernelSize).ToArray(), Padding.ToArray(), CeilMode, CountIncludePad, DivisorOverride);

    public override string? Mismatch(long[] shape) => Pooling.Check(shape, KernelSize, Stride ?? KernelSize, Padding, 1);
}

/// <summary>nn.AdaptiveAvgPool2d(output_size); ONNX's GlobalAveragePool is output size 1.</summary>
public sealed record AdaptiveAvgPool2dLayer(IntPair OutputSize) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => AdaptiveAvgPool2d(OutputSize.ToArray());

    public override string? Mismatch(long[] shape) =>
        NeedRank(shape, 4) ?? (OutputSize.First < 1 || OutputSize.Second < 1 ? $"output_size {OutputSize} must be positive" : null);
}

static class Pooling
{
    public static string? Check(long[] shape, IntPair kernel, IntPair stride, IntPair padding, IntPair dilation)
    {
        if (shape.Length != 4) return $"expects a 4-D input (batch included), gets {LayerSpec.Dims(shape)}";
        if (kernel.First < 1 || kernel.Second < 1 || stride.First < 1 || stride.Second < 1) return "kernel_size and stride must be positive";
        if (padding.First * 2 > kernel.First || padding.Second * 2 > kernel.Second) return $"padding {padding} must be at most half the kernel {kernel}";
        bool fits = shape[2] + 2 * padding.First >= dilation.First * (kernel.First - 1) + 1 && shape[3] + 2 * padding.Second >= dilation.Second * (kernel.Second - 1) + 1;
        return fits ? null : $"a kernel of {kernel} does not fit the input {LayerSpec.Dims(shape)}";
    }
}

/// <summary>ONNX ReduceMean over <paramref name="Axes"/> (never the batch); <paramref name="KeepDims"/> keeps them as size 1 (ONNX's default).</summary>
public sealed record ReduceMeanLayer(long[] Axes, bool KeepDims = true) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new ReduceMeanModule(Axes, KeepDims);

    public override string? Mismatch(long[] shape) => Check(shape.Length, Axes, hasBatch: true);

    /// <summary>Null if <paramref name="axes"/> fit an input of <paramref name="rank"/>; no axes means all of them, as in ONNX.</summary>
    public static string? Check(int rank, long[] axes, bool hasBatch)
    {
        if (axes.Any(a => a < -rank || a >= rank)) return $"axes {OnnxNode.Show(axes)} do not fit an input of rank {rank}";
        var normal = axes.Select(a => a < 0 ? a + rank : a).ToList();
        if (normal.Distinct().Count() != normal.Count) return $"axes {OnnxNode.Show(axes)} name a dimension twice";
        return hasBatch && (axes.Length == 0 || normal.Contains(0)) ? "it averages over axis 0, the batch" : null;
    }

    public static Tensor Apply(Tensor x, long[] axes, bool keepDims) =>
        x.mean(axes.Length == 0 ? Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray() : axes, keepDims);
}

public sealed class ReduceMeanModule(long[] axes, bool keepDims) : Module<Tensor, Tensor>("ReduceMean")
{
    public override Tensor forward(Tensor x) => ReduceMeanLayer.Apply(x, axes, keepDims);
}
