using MnistLab.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Models;

public class FastCnnTests
{
    /// <summary>The reference network of tuomaso/train_mnist_fast written plainly: convolutions with their biases, pool, then ReLU.</summary>
    static Tensor Reference(FastCnn net, Tensor x)
    {
        var p = net.named_parameters().ToDictionary(kv => kv.name, kv => (Tensor)kv.parameter);
        x = functional.relu(functional.max_pool2d(functional.conv2d(x, p["conv1.weight"], p["block1.bias"]), 2));
        x = functional.relu(functional.max_pool2d(functional.conv2d(x, p["conv2.weight"], p["block2.bias"]), 2));
        x = functional.relu(functional.linear(x.flatten(1), p["fc1.weight"], p["fc1.bias"]));
        return functional.linear(x, p["fc2.weight"], p["fc2.bias"]);
    }

    [Fact]
    public void Computes_the_reference_network_with_its_parameters_and_layout()
    {
        using var scope = NewDisposeScope();
        using var init = new Generator(5);
        using var net = new FastCnn(init);
        // conv 1->24 5x5 (no bias of its own), 24 biases, conv 24->32 3x3, 32 biases, fc 800-256, fc 256-10: as the reference's.
        Assert.Equal(24 * 25 + 24 + 32 * 24 * 9 + 32 + 800 * 256 + 256 + 256 * 10 + 10, net.parameters().Sum(p => p.numel()));
        var x = rand([6, 1, 28, 28], generator: init);
        var y = net.call(x);
        Assert.Equal([6L, 10], y.shape);
        // Adding the bias after the pool is the same function; only the rounding of the convolution's sums may differ.
        Assert.True((y - Reference(net, x)).abs().max().item<float>() < 1e-5f);

        using var cache = MnistLab.Models.Activations.Run(net, x, ["conv1", "block1", "block2", "relu3"]);
        Assert.Equal([6L, 24, 24, 24], cache["conv1"].shape);
        Assert.Equal([6L, 24, 12, 12], cache["block1"].shape);
        Assert.Equal([6L, 32, 5, 5], cache["block2"].shape);
        Assert.True(cache["relu3"].min().item<float>() >= 0);
    }

    [Fact]
    public void Runs_channels_last_from_the_first_convolution()
    {
        using var scope = NewDisposeScope();
        using var net = new FastCnn(new Generator(1));
        var seen = new List<bool>();
        var removers = net.Points.Where(p => p.Name is "conv1" or "block1" or "conv2" or "block2")
            .Select(p => p.Module.register_forward_hook((_, _, o) => { seen.Add(ChannelsLast.Is(o)); return o; }))
            .ToList();
        using (no_grad()) net.call(rand(4, 1, 28, 28));
        removers.ForEach(r => r.remove());
        Assert.Equal([true, true, true, true], seen);
    }

    [Fact]
    public void The_initialisation_draws_pytorchs_default_bounds_and_repeats_with_the_generator()
    {
        using var a = new FastCnn(new Generator(9));
        using var b = new FastCnn(new Generator(9));
        var pa = a.named_parameters().ToList();
        var pb = b.named_parameters().ToList();
        foreach (var ((name, p), (_, q)) in pa.Zip(pb))
            Assert.True(p.Equals(q), name);
        // Every bound is 1/sqrt(fan_in): 25 for conv1 and its bias, 216 for conv2, 800 and 256 for the linear layers.
        var fanIn = new Dictionary<string, int> { ["conv1.weight"] = 25, ["block1.bias"] = 25, ["conv2.weight"] = 216, ["block2.bias"] = 216,
            ["fc1.weight"] = 800, ["fc1.bias"] = 800, ["fc2.weight"] = 256, ["fc2.bias"] = 256 };
        foreach (var (name, p) in pa)
        {
            double bound = 1 / Math.Sqrt(fanIn[name]);
            Assert.True(p.abs().max().item<float>() <= bound, name);
            Assert.True(p.abs().max().item<float>() > 0.5 * bound, name); // drawn, not left at zero
        }
    }
}
