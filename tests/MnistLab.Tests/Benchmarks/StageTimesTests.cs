using MnistLab.Benchmarks;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Benchmarks;

public class StageTimesTests
{
    [Fact]
    public void Times_every_layer_of_the_resnet_in_forward_order_with_each_blocks_add_and_the_loss()
    {
        using var net = new RotResNet(new Generator(1), ConvLayout.ChannelsLast);
        net.Noise = new Generator(2);
        net.train();
        using var scope = NewDisposeScope();
        var x = ConvLayouts.Images(rand([2, 1, 28, 28], generator: new Generator(3)), ConvLayout.ChannelsLast);
        var y = tensor(new long[] { 3, 7 });
        var before = net.parameters().Select(p => p.detach().clone()).ToList();
        var times = StageTimes.Measure(net, x, y, warmup: 1, steps: 2);

        var names = times.Select(t => t.Name).ToList();
        Assert.Equal(["View", "res1.conv1", "res1.bn", "res1.relu", "res1.conv2", "res1.add", "res2.conv1"], names.Take(7));
        Assert.Equal(["max_pool", "drop"], names.Skip(11).Take(2));
        Assert.Contains("max_pool (2)", names);
        Assert.Equal(["fc1", "bn1d", "relu (2)", "fc2", "loss"], names.TakeLast(5));
        Assert.All(times, t => Assert.True(double.IsFinite(t.Forward) && t.Forward >= 0 && double.IsFinite(t.Backward) && t.Backward >= 0, t.Name));
        Assert.True(times.Single(t => t.Name == "res1.conv2").Backward > 0);
        // Timing does not train: the parameters are untouched and no gradient is left behind.
        Assert.All(net.parameters().Zip(before), p => Assert.Equal(0, (p.First - p.Second).abs().max().item<float>()));
        Assert.All(net.parameters(), p => Assert.True(p.grad is null || p.grad.abs().max().item<float>() == 0));
    }
}
