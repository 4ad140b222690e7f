using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution.Graph;

/// <summary>Max-pooling over 2-d windows: piecewise linear, each window passing its largest element.</summary>
sealed class MaxPoolStage(long[] kernel, long[] stride, long[] padding, long[] dilation) : Stage
{
    public long[] Kernel { get; } = kernel;
    public long[] Stride { get; } = stride;
    public long[] Padding { get; } = padding;
    public long[] Dilation { get; } = dilation;

    public override string Describe() => $"maxpool {Kernel[0]}x{Kernel[1]}";
    public override Tensor Forward(Tensor a) => functional.max_pool2d(a, Kernel, Stride, Padding, Dilation);
}
