using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>
/// Seed 001's residual block: conv3x3 - BN - ReLU - conv3x3, plus the skip (x + z). With one input channel
/// (the first block) the skip broadcasts the image over all output channels, exactly as PyTorch does in the seed.
/// Points: conv1, bn, relu, conv2 (the block's output, the sum, is its parent's point).
/// </summary>
public sealed class ResBlock : Module<Tensor, Tensor>, IHookedModel, IResidualBlock
{
    readonly Conv2d conv1;
    readonly BatchNorm2d bn;
    readonly ReLU relu;
    readonly Conv2d conv2;

    public IReadOnlyList<NamedPoint> Points { get; }

    public ResBlock(int inChannels, int outChannels) : base(nameof(ResBlock))
    {
        conv1 = Conv2d(inChannels, outChannels, 3, stride: 1, padding: 1);
        bn = BatchNorm2d(outChannels);
        relu = ReLU();
        conv2 = Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1);
        RegisterComponents();
        Points = [new("conv1", conv1), new("bn", bn), new("relu", relu), new("conv2", conv2)];
    }

    public IEnumerable<Module> Branch() => [conv1, bn, relu, conv2];

    public override Tensor forward(Tensor x) => x + conv2.call(relu.call(bn.call(conv1.call(x)))); // (B, C_out, H, W)
}
