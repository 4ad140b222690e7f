using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution.Graph;

/// <summary>Average pooling over 2-d windows: linear.</summary>
sealed class AvgPoolStage(long[] kernel, long[] stride, long[] padding, bool countIncludePad) : Stage
{
    public override string Describe() => $"avgpool {kernel[0]}x{kernel[1]}";
    public override Tensor Forward(Tensor a) => functional.avg_pool2d(a, kernel, stride, padding, false, countIncludePad);
}

/// <summary>Adaptive average pooling to a fixed output size (ONNX's GlobalAveragePool is size 1): linear, an average per window.</summary>
sealed class AdaptiveAvgPoolStage(long[] outputSize) : Stage
{
    public override string Describe() => $"adaptive avgpool {outputSize[0]}x{outputSize[1]}";
    public override Tensor Forward(Tensor a) => functional.adaptive_avg_pool2d(a, outputSize);
}
