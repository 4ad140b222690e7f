using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>
/// Seed 001's ResNet for rotated MNIST on backgrounds: six residual blocks of 64 channels, max-pool after
/// blocks 2 and 4 with dropout 0.5 after each pool, BN-ReLU, fc 3136-256, BN1d-ReLU, fc 256-10 whose weights
/// and bias are scaled by 0.001 at initialisation. Field names follow the seed.
/// </summary>
public sealed class RotResNet : Module<Tensor, Tensor>
{
    public const int ConvDim = 64, FcDim = 256;

    readonly ResBlock res1, res2, res3, res4, res5, res6;
    readonly MaxPool2d max_pool;
    readonly BatchNorm2d bn2d;
    readonly Dropout drop;
    readonly Flatten flatten;
    readonly Linear fc1;
    readonly BatchNorm1d bn1d;
    readonly Linear fc2;
    readonly ReLU relu;

    public RotResNet() : base(nameof(RotResNet))
    {
        res1 = new ResBlock(1, ConvDim);
        res2 = new ResBlock(ConvDim, ConvDim);
        max_pool = MaxPool2d(2);
        res3 = new ResBlock(ConvDim, ConvDim);
        res4 = new ResBlock(ConvDim, ConvDim);
        res5 = new ResBlock(ConvDim, ConvDim);
        res6 = new ResBlock(ConvDim, ConvDim);
        bn2d = BatchNorm2d(ConvDim);
        drop = Dropout(0.5);
        flatten = Flatten();
        fc1 = Linear(7 * 7 * ConvDim, FcDim);
        bn1d = BatchNorm1d(FcDim);
        fc2 = Linear(FcDim, 10);
        relu = ReLU();
        RegisterComponents();
        using (no_grad())
        {
            fc2.weight!.mul_(0.001);
            fc2.bias!.mul_(0.001);
        }
    }

    public override Tensor forward(Tensor x) => Head(Features(x.view(-1, 1, 28, 28)).Last());

    /// <summary>The output of each block, in order (what the activation maps show).</summary>
    public IReadOnlyList<Tensor> Features(Tensor x)
    {
        var outs = new List<Tensor>();
        x = res1.call(x); outs.Add(x);               // (B, 64, 28, 28)
        x = res2.call(x); outs.Add(x);               // (B, 64, 28, 28)
        x = drop.call(max_pool.call(x));             // (B, 64, 14, 14)
        x = res3.call(x); outs.Add(x);
        x = res4.call(x); outs.Add(x);
        x = drop.call(max_pool.call(x));             // (B, 64, 7, 7)
        x = res5.call(x); outs.Add(x);
        x = res6.call(x); outs.Add(x);
        return outs;
    }

    Tensor Head(Tensor x) => fc2.call(relu.call(bn1d.call(fc1.call(flatten.call(relu.call(bn2d.call(x)))))));

    /// <summary>Every convolution's weight (out, in, 3, 3), by state-dict name, in order.</summary>
    public IReadOnlyList<(string Name, Tensor Weight)> ConvWeights() =>
        named_parameters().Where(p => p.name.Contains(".conv") && p.name.EndsWith(".weight")).Select(p => (p.name[..^".weight".Length], (Tensor)p.parameter)).ToList();
}
