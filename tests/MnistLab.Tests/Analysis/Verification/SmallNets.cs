using static TorchSharp.torch;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Analysis.Verification;

/// <summary>Small networks with weights drawn from their own seeded generator, and the inputs the bound tests read.</summary>
static class SmallNets
{
    /// <summary>Every parameter of <paramref name="model"/> drawn from N(0, 1/fan-in) with generator <paramref name="seed"/> (BatchNorm's statistics too, so its fold is exercised).</summary>
    public static T Seeded<T>(T model, ulong seed) where T : Module
    {
        using var g = new Generator(seed);
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            double fan = p.dim() > 1 ? p.shape.Skip(1).Aggregate(1L, (a, b) => a * b) : 4;
            p.copy_(randn(p.shape, generator: g) / Math.Sqrt(fan));
        }
        foreach (var (name, b) in model.named_buffers())
            if (name.EndsWith("running_mean")) b.copy_(randn(b.shape, generator: g) * 0.1);
            else if (name.EndsWith("running_var")) b.copy_(rand(b.shape, generator: g) + 0.5);
        model.eval();
        return model;
    }

    /// <summary>A ReLU MLP on 1x6x6 images: flatten, 36 → 24 → relu → 16 → leakyrelu 0.1 → 10.</summary>
    public static Sequential Mlp(ulong seed) => Seeded(Sequential(Flatten(), Linear(36, 24), ReLU(), Linear(24, 16), LeakyReLU(0.1), Linear(16, 10)), seed);

    /// <summary>A small CNN on 1x6x6 images with every stage the bounds read: conv, BatchNorm, ReLU, max- and average pooling, flatten, linear.</summary>
    public static Sequential Cnn(ulong seed) => Seeded(Sequential(
        Conv2d(1, 4, 3, padding: 1), BatchNorm2d(4), ReLU(), MaxPool2d(2),
        Conv2d(4, 6, 3, padding: 1), ReLU(), AvgPool2d(3), Flatten(), Linear(6, 10)), seed);

    /// <summary>One image (1, 6, 6) with pixels in [0, 1], drawn with <paramref name="seed"/>.</summary>
    public static Tensor Image(ulong seed)
    {
        using var g = new Generator(seed);
        return rand([1, 6, 6], generator: g);
    }
}
