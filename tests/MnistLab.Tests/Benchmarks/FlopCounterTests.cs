using MnistLab.Benchmarks;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Benchmarks;

/// <summary>FLOPs read from the layers, against counts made by hand from the architectures.</summary>
public class FlopCounterTests
{
    [Fact]
    public void An_mlp_counts_its_two_matrices_and_no_input_gradient_for_the_first()
    {
        using var mlp = new Mlp(new MlpSpec(784, 256, 10), new Generator(1));
        using var x = zeros(1, 1, 28, 28);
        var count = FlopCounter.Count(mlp, x);
        Assert.Equal(["fc1", "fc2"], count.Layers.Select(l => l.Name));
        Assert.Equal(2.0 * (784 * 256 + 256 * 10), count.ForwardFlop);
        // fc1 reads the data: forward and weight gradient only; fc2 also passes a gradient to its input.
        Assert.Equal(2.0 * 784 * 256 * 2 + 2.0 * 256 * 10 * 3, count.TrainFlop);
        Assert.True(mlp.training); // the mode is restored
    }

    [Fact]
    public void The_fast_cnn_counts_each_convolution_over_its_output()
    {
        using var net = new FastCnn(new Generator(1));
        var count = FlopCounter.Count(net, zeros(1, 1, 28, 28));
        // conv1: 24x24 outputs x 24 channels x 25 weights; conv2: 10x10 x 32 x (24 x 9); fc1 800x256; fc2 256x10.
        long[] macs = [24 * 24 * 24 * 25, 10 * 10 * 32 * 24 * 9, 800 * 256, 256 * 10];
        Assert.Equal(macs, count.Layers.Select(l => l.MultiplyAdds));
        Assert.Equal([24L, 24, 24], count.Layers[0].OutputShape);
        Assert.Equal([false, true, true, true], count.Layers.Select(l => l.InputGradient));
        Assert.Equal(2.0 * macs.Sum(), count.ForwardFlop);
    }

    [Fact]
    public void The_resnet_counts_twelve_convolutions_at_three_resolutions()
    {
        using var net = new RotResNet(new Generator(1));
        var count = FlopCounter.Count(net, zeros(1, 1, 28, 28));
        long first = 28 * 28 * 64 * 9, at28 = 28 * 28 * 64 * 576, at14 = 14 * 14 * 64 * 576, at7 = 7 * 7 * 64 * 576;
        long expected = first + 3 * at28 + 4 * at14 + 4 * at7 + 3136 * 256 + 256 * 10;
        Assert.Equal(14, count.Layers.Count);
        Assert.Equal(expected, count.Layers.Sum(l => l.MultiplyAdds));
        Assert.Equal(0.745e9, count.TrainFlop, 0.01e9); // about 0.74 GFLOP per image, the figure the bench used to type in
    }
}
