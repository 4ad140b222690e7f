using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Models;

/// <summary>The architecture of <see cref="FastCnn"/> is fixed; the spec records only what it reads.</summary>
public sealed record FastCnnSpec : ModelSpec
{
    public override Module<Tensor, Tensor> Create(Generator? init = null) => new FastCnn(init);
}

/// <summary>
/// The small CNN of the speed run (after tuomaso/train_mnist_fast, "8_Final"): conv 5x5 1→24, max-pool 2, ReLU,
/// conv 3x3 24→32, max-pool 2, ReLU, fc 800→256, ReLU, fc 256→10; about 1.24 million multiply-adds per image.
/// <para>
/// Computed channels-last (each pixel's channels adjacent in memory), where libtorch's convolutions and pools are
/// fastest on this kind of CPU, and each convolution's bias is added after its pool, where it commutes with the max,
/// in <see cref="PoolBiasRelu"/>. The function is the reference network's: a convolution with bias, then pool and
/// ReLU; only where the bias is added differs, and the forward numbers are the same.
/// </para>
/// Points: input, conv1 (before its bias, B x 24 x 24 x 24), block1 (B x 24 x 12 x 12), conv2 (before its bias,
/// B x 32 x 10 x 10), block2 (B x 32 x 5 x 5), fc1, relu3, fc2, output.
/// </summary>
public sealed class FastCnn : Module<Tensor, Tensor>, ILabModel, ILayerSequence
{
    readonly Conv2d conv1;
    readonly PoolBiasRelu block1;
    readonly Conv2d conv2;
    readonly PoolBiasRelu block2;
    readonly Linear fc1;
    readonly ReLU relu3;
    readonly Linear fc2;
    readonly HookPoint hook_input = new(), hook_output = new();

    public IReadOnlyList<NamedPoint> Points { get; }
    public FastCnnSpec Spec { get; } = new();
    ModelSpec ILabModel.Spec => Spec;

    public FastCnn(Generator? init = null) : base(nameof(FastCnn))
    {
        conv1 = Conv2d(1, 24, 5, bias: false);
        block1 = new PoolBiasRelu(24);
        conv2 = Conv2d(24, 32, 3, bias: false);
        block2 = new PoolBiasRelu(32);
        fc1 = Linear(800, 256);
        relu3 = ReLU();
        fc2 = Linear(256, 10);
        RegisterComponents();
        if (init is not null) Initialise(init);
        Points =
        [
            new("input", hook_input), new("conv1", conv1), new("block1", block1), new("conv2", conv2), new("block2", block2),
            new("fc1", fc1), new("relu3", relu3), new("fc2", fc2), new("output", hook_output),
        ];
    }

    /// <summary>
    /// PyTorch's default initialisation of the reference layers, drawn in their order (each layer's weight, then its
    /// bias): every bound is 1/sqrt(fan_in), a convolution's bias included though it lives in the block after the pool.
    /// </summary>
    void Initialise(Generator generator)
    {
        using var _ = no_grad();
        foreach (var (weight, bias) in new[] { (conv1.weight!, block1.Bias), (conv2.weight!, block2.Bias), (fc1.weight!, fc1.bias!), (fc2.weight!, fc2.bias!) })
        {
            double bound = 1 / Math.Sqrt(weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b));
            weight.uniform_(-bound, bound, generator);
            bias.uniform_(-bound, bound, generator);
        }
    }

    /// <summary>The layers as the forward pass applies them, for the graph readers (LRP, exact IG, circuits); memory layout aside, the same function.</summary>
    public IEnumerable<Module> Layers() => [conv1, block1, conv2, block2, Flatten(), fc1, relu3, fc2];

    public override Tensor forward(Tensor x)
    {
        x = ChannelsLast.Images(hook_input.call(x));    // (B, 1, 28, 28), channels-last
        x = block1.call(conv1.call(x));                  // (B, 24, 24, 24) -> (B, 24, 12, 12)
        x = block2.call(conv2.call(x));                  // (B, 32, 10, 10) -> (B, 32, 5, 5)
        x = relu3.call(fc1.call(x.flatten(1)));          // (B, 800) -> (B, 256)
        return hook_output.call(fc2.call(x));            // (B, 10)
    }
}
