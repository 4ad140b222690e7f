using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>The architecture of <see cref="RotResNet"/> is fixed by seed 001; the spec records only what it reads.</summary>
public sealed record RotResNetSpec : ModelSpec
{
    public override Module<Tensor, Tensor> Create(Generator? init = null) => new RotResNet(init);
}

/// <summary>
/// Seed 001's ResNet for rotated MNIST on backgrounds: six residual blocks of 64 channels, max-pool after
/// blocks 2 and 4 with dropout 0.5 after each pool, BN-ReLU, fc 3136-256, BN1d-ReLU, fc 256-10 whose weights
/// and bias are scaled by 0.001 at initialisation. Field names follow the seed. Its activations are laid out as
/// <see cref="Layout"/> says (<see cref="ConvLayouts.Preferred"/> unless given): the same model and numbers, up to the
/// order of float sums, in the layout the machine's kernels run faster.
/// Points: input, res1 … res6 (block outputs) with each block's conv1, bn, relu, conv2; pool1, pool2 (after
/// pooling and dropout), bn2d, relu2d, flatten, fc1, bn1d, relu1d, fc2, output.
/// </summary>
public sealed class RotResNet : Module<Tensor, Tensor>, ILabModel, IStochastic, ILayerSequence
{
    public const int ConvDim = 64, FcDim = 256;

    readonly ResBlock res1, res2, res3, res4, res5, res6;
    readonly MaxPool2 max_pool;
    readonly BatchNorm2d bn2d;
    readonly SeededDropout drop;
    readonly Flatten flatten;
    readonly Linear fc1;
    readonly BatchNorm1d bn1d;
    readonly Linear fc2;
    readonly ReLU relu;
    readonly HookPoint hook_input = new(), hook_pool1 = new(), hook_pool2 = new(), hook_relu2d = new(), hook_relu1d = new(), hook_output = new();

    public IReadOnlyList<NamedPoint> Points { get; }

    /// <summary>The memory layout of its activations from the first convolution on.</summary>
    public ConvLayout Layout { get; }

    public RotResNet(Generator? init = null, ConvLayout? layout = null) : base(nameof(RotResNet))
    {
        Layout = layout ?? ConvLayouts.Preferred;
        res1 = new ResBlock(1, ConvDim);
        res2 = new ResBlock(ConvDim, ConvDim);
        max_pool = new MaxPool2();
        res3 = new ResBlock(ConvDim, ConvDim);
        res4 = new ResBlock(ConvDim, ConvDim);
        res5 = new ResBlock(ConvDim, ConvDim);
        res6 = new ResBlock(ConvDim, ConvDim);
        bn2d = BatchNorm2d(ConvDim);
        drop = new SeededDropout(0.5);
        flatten = Flatten();
        fc1 = Linear(7 * 7 * ConvDim, FcDim);
        bn1d = BatchNorm1d(FcDim);
        fc2 = Linear(FcDim, 10);
        relu = ReLU();
        RegisterComponents();
        if (init is not null) ModelInit.Reset(this, init);
        using (no_grad())
        {
            fc2.weight!.mul_(0.001);
            fc2.bias!.mul_(0.001);
        }
        var blocks = new[] { ("res1", res1), ("res2", res2), ("res3", res3), ("res4", res4), ("res5", res5), ("res6", res6) };
        NamedPoint[] Block(int i) => [.. NamedPoint.Within(blocks[i].Item1, blocks[i].Item2), new(blocks[i].Item1, blocks[i].Item2)];
        Points =
        [
            new("input", hook_input), .. Block(0), .. Block(1), new("pool1", hook_pool1), .. Block(2), .. Block(3), new("pool2", hook_pool2),
            .. Block(4), .. Block(5), new("bn2d", bn2d), new("relu2d", hook_relu2d), new("flatten", flatten), new("fc1", fc1), new("bn1d", bn1d),
            new("relu1d", hook_relu1d), new("fc2", fc2), new("output", hook_output),
        ];
    }

    public RotResNetSpec Spec { get; } = new();
    ModelSpec ILabModel.Spec => Spec;

    /// <summary>The dropout masks' generator; null draws from the global one.</summary>
    public Generator? Noise { get => drop.Generator; set => drop.Generator = value; }

    public override Tensor forward(Tensor x)
    {
        x = ConvLayouts.Images(hook_input.call(x).view(-1, 1, 28, 28), Layout);
        x = res2.call(res1.call(x));                                   // (B, 64, 28, 28)
        x = hook_pool1.call(drop.call(max_pool.call(x)));              // (B, 64, 14, 14)
        x = res4.call(res3.call(x));
        x = hook_pool2.call(drop.call(max_pool.call(x)));              // (B, 64, 7, 7)
        x = res6.call(res5.call(x));
        x = flatten.call(hook_relu2d.call(relu.call(bn2d.call(x))));   // (B, 3136)
        x = hook_relu1d.call(relu.call(bn1d.call(fc1.call(x))));       // (B, 256)
        return hook_output.call(fc2.call(x));                          // (B, 10)
    }

    public IEnumerable<Module> Layers() =>
    [
        new View(1, 28, 28), res1, res2, max_pool, drop, res3, res4, max_pool, drop, res5, res6, bn2d, relu, flatten,
        fc1, bn1d, relu, fc2,
    ];

    /// <summary>Every convolution's weight (out, in, 3, 3), by state-dict name, in order.</summary>
    public IReadOnlyList<(string Name, Tensor Weight)> ConvWeights() =>
        named_parameters().Where(p => p.name.Contains(".conv") && p.name.EndsWith(".weight")).Select(p => (p.name[..^".weight".Length], (Tensor)p.parameter)).ToList();
}
