using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution.Graph;

sealed record ConvShape(long[] Stride, long[] Padding, long[] Dilation, long Groups);

/// <summary>Linear or Conv2d: z = W a + b.</summary>
sealed class AffineStage(string name, Tensor weight, Tensor? bias, ConvShape? conv) : Stage
{
    public Tensor Weight { get; } = weight;
    public Tensor? Bias { get; } = bias;
    public bool IsConv => conv is not null;
    public ConvShape? Conv => conv;

    /// <summary>Whether this is the graph's first Linear or Conv2d, the one that reads the pixels (LRP gives it its own rule).</summary>
    public bool IsFirst { get; set; }

    public override string Describe() => name;

    /// <summary>The layer with weight <paramref name="w"/> and bias <paramref name="b"/> in place of its own (LRP's rules modify them).</summary>
    public Tensor Apply(Tensor a, Tensor w, Tensor? b) => conv is null
        ? functional.linear(a, Cast(w, a), b is null ? null : Cast(b, a))
        : functional.conv2d(a, Cast(w, a), b is null ? null : Cast(b, a), conv.Stride, conv.Padding, conv.Dilation, conv.Groups);

    public override Tensor Forward(Tensor a) => Apply(a, Weight, Bias);

    /// <summary>This layer followed by a BatchNorm in eval mode, as one layer: W' = diag(s) W, b' = s (b − μ) + β with s = γ / √(σ² + ε).</summary>
    public AffineStage FoldedWith(BatchNormStage bn)
    {
        var shape = Enumerable.Repeat(1L, (int)Weight.dim()).ToArray();
        shape[0] = -1;
        var w = Weight * bn.Scale.view(shape);
        var b = (Bias ?? zeros(Weight.shape[0], dtype: ScalarType.Float64)) * bn.Scale + bn.Shift;
        return new AffineStage($"{name} + batchnorm (folded)", w, b, conv);
    }
}
