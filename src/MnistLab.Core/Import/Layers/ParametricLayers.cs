using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import.Layers;

/// <summary>nn.Linear(in_features, out_features, bias=True): y = x Wᵀ + b over the last dimension.</summary>
public sealed record LinearLayer(long InFeatures, long OutFeatures, bool Bias = true) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => Linear(InFeatures, OutFeatures, hasBias: Bias);

    public override string? Mismatch(long[] shape) =>
        shape.Length < 2 ? $"expects an input with features in its last dimension, gets {Dims(shape)}"
        : shape[^1] != InFeatures ? $"expects {InFeatures} input features, gets {shape[^1]} (input {Dims(shape)})" : null;
}

/// <summary>nn.Conv2d with PyTorch's arguments and defaults; only zero padding, given as numbers.</summary>
public sealed record Conv2dLayer(long InChannels, long OutChannels, IntPair KernelSize) : LayerSpec
{
    public IntPair Stride { get; init; } = 1;
    public IntPair Padding { get; init; } = 0;
    public IntPair Dilation { get; init; } = 1;
    public long Groups { get; init; } = 1;
    public bool Bias { get; init; } = true;
    public string PaddingMode { get; init; } = "zeros";

    public override Module<Tensor, Tensor> Create() =>
        Conv2d(InChannels, OutChannels, KernelSize.ToTuple(), Stride.ToTuple(), Padding.ToTuple(), Dilation.ToTuple(), groups: Groups, bias: Bias);

    public override string? Mismatch(long[] shape)
    {
        if (PaddingMode != "zeros") return $"padding_mode '{PaddingMode}' is not supported (only 'zeros')";
        if (Groups < 1 || InChannels % Groups != 0 || OutChannels % Groups != 0) return $"groups {Groups} must divide in_channels {InChannels} and out_channels {OutChannels}";
        if (NeedRank(shape, 4) is { } rank) return rank;
        if (shape[1] != InChannels) return $"expects {InChannels} input channels, gets {shape[1]} (input {Dims(shape)})";
        long h = Out(shape[2], KernelSize.First, Stride.First, Padding.First, Dilation.First), w = Out(shape[3], KernelSize.Second, Stride.Second, Padding.Second, Dilation.Second);
        return h < 1 || w < 1 ? $"a kernel of {KernelSize} does not fit the input {Dims(shape)}" : null;
    }

    static long Out(long size, long kernel, long stride, long padding, long dilation) =>
        stride < 1 ? 0 : (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

/// <summary>nn.BatchNorm1d over (N, C) or (N, C, L); in eval mode it uses its running statistics.</summary>
public sealed record BatchNorm1dLayer(long NumFeatures) : LayerSpec
{
    public double Eps { get; init; } = 1e-5;
    public double Momentum { get; init; } = 0.1;
    public bool Affine { get; init; } = true;
    public bool TrackRunningStats { get; init; } = true;

    public override Module<Tensor, Tensor> Create() => BatchNorm1d(NumFeatures, Eps, Momentum, Affine, TrackRunningStats);

    public override string? Mismatch(long[] shape) =>
        NeedRank(shape, 2, 3) ?? (shape[1] != NumFeatures ? $"expects {NumFeatures} features, gets {shape[1]} (input {Dims(shape)})" : null);
}

/// <summary>nn.BatchNorm2d over (N, C, H, W).</summary>
public sealed record BatchNorm2dLayer(long NumFeatures) : LayerSpec
{
    public double Eps { get; init; } = 1e-5;
    public double Momentum { get; init; } = 0.1;
    public bool Affine { get; init; } = true;
    public bool TrackRunningStats { get; init; } = true;

    public override Module<Tensor, Tensor> Create() => BatchNorm2d(NumFeatures, Eps, Momentum, Affine, TrackRunningStats);

    public override string? Mismatch(long[] shape) =>
        NeedRank(shape, 4) ?? (shape[1] != NumFeatures ? $"expects {NumFeatures} channels, gets {shape[1]} (input {Dims(shape)})" : null);
}

/// <summary>nn.ConvTranspose2d with PyTorch's arguments and defaults; its weight is (in, out / groups, kH, kW), as in ONNX.</summary>
public sealed record ConvTranspose2dLayer(long InChannels, long OutChannels, IntPair KernelSize) : LayerSpec
{
    public IntPair Stride { get; init; } = 1;
    public IntPair Padding { get; init; } = 0;
    public IntPair OutputPadding { get; init; } = 0;
    public IntPair Dilation { get; init; } = 1;
    public long Groups { get; init; } = 1;
    public bool Bias { get; init; } = true;

    public override Module<Tensor, Tensor> Create() => new ConvTranspose2dModule(this);

    public override string? Mismatch(long[] shape)
    {
        if (Groups < 1 || InChannels % Groups != 0 || OutChannels % Groups != 0) return $"groups {Groups} must divide in_channels {InChannels} and out_channels {OutChannels}";
        if (NeedRank(shape, 4) is { } rank) return rank;
        if (shape[1] != InChannels) return $"expects {InChannels} input channels, gets {shape[1]} (input {Dims(shape)})";
        // PyTorch's rule: the extra output rows must be fewer than the stride or the dilation, else they would see no input.
        if (OutputPadding.First >= Math.Max(Stride.First, Dilation.First) || OutputPadding.Second >= Math.Max(Stride.Second, Dilation.Second))
            return $"output_padding {OutputPadding} must be smaller than the stride {Stride} or the dilation {Dilation}";
        long h = Out(shape[2], KernelSize.First, Stride.First, Padding.First, OutputPadding.First, Dilation.First);
        long w = Out(shape[3], KernelSize.Second, Stride.Second, Padding.Second, OutputPadding.Second, Dilation.Second);
        return h < 1 || w < 1 ? $"a kernel of {KernelSize} with padding {Padding} gives no output for the input {Dims(shape)}" : null;
    }

    static long Out(long size, long kernel, long stride, long padding, long outputPadding, long dilation) =>
        (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
}

/// <summary>
/// nn.ConvTranspose2d's parameters (PyTorch's initial values, state_dict names weight and bias) and computation. TorchSharp
/// 0.107's nn.ConvTranspose2d passes only the first output_padding to libtorch, which then pads both axes by it, so the
/// transposed convolution is called here with both.
/// </summary>
public sealed class ConvTranspose2dModule : Module<Tensor, Tensor>
{
    readonly ConvTranspose2dLayer _spec;
    readonly TorchSharp.Modules.Parameter weight;
    readonly TorchSharp.Modules.Parameter? bias;

    public ConvTranspose2dModule(ConvTranspose2dLayer spec) : base("ConvTranspose2d")
    {
        _spec = spec;
        using var init = ConvTranspose2d(spec.InChannels, spec.OutChannels, spec.KernelSize.ToTuple(), groups: spec.Groups, bias: spec.Bias);
        weight = Parameter(init.weight!.detach().clone());
        if (spec.Bias) bias = Parameter(init.bias!.detach().clone());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        functional.conv_transpose2d(x, weight, bias, _spec.Stride.ToArray(), _spec.Padding.ToArray(), _spec.OutputPadding.ToArray(), _spec.Dilation.ToArray(), _spec.Groups);
}
