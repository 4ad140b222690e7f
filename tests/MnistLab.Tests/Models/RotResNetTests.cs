using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Models;

public class RotResNetTests
{
    [Fact]
    public void Has_the_seeds_shape_parameters_and_scaled_head()
    {
        manual_seed(0);
        using var net = new RotResNet();
        // The seed prints sum(p.nelement()): 6 blocks of two convs and a BN, BN2d, fc1 3136-256, BN1d, fc2 256-10.
        long conv1 = 1 * 64 * 9 + 64, conv = 64 * 64 * 9 + 64, bn = 2 * 64;
        long expected = (conv1 + bn + conv) + 5 * (conv + bn + conv) + bn + (3136 * 256 + 256) + 2 * 256 + (256 * 10 + 10);
        Assert.Equal(expected, net.parameters().Sum(p => p.numel()));
        Assert.Equal(12, net.ConvWeights().Count);
        Assert.Equal("res1.conv1", net.ConvWeights()[0].Name);

        using var x = rand(4, 1, 28, 28);
        net.eval();
        using var logits = net.call(x);
        Assert.Equal([4L, 10], logits.shape);
        // fc2 scaled by 0.001: the initial logits are tiny, so the first loss is close to log(10).
        Assert.True(logits.abs().max().item<float>() < 0.05f);
        string[] blocks = ["res1", "res2", "res3", "res4", "res5", "res6"];
        using var cache = Activations.Run(net, x, blocks);
        Assert.Equal([28, 28, 14, 14, 7, 7], blocks.Select(b => (int)cache[b].shape[2])); // pools after blocks 2 and 4
    }

    [Fact]
    public void The_first_block_adds_the_image_to_every_channel()
    {
        manual_seed(1);
        using var block = new ResBlock(1, 4);
        using var x = rand(2, 1, 5, 5);
        using var y = block.call(x);
        Assert.Equal([2L, 4, 5, 5], y.shape); // broadcast skip, as PyTorch does in the seed
    }

    [Fact]
    public void Channels_last_gives_the_logits_of_the_same_layers_run_in_the_default_layout()
    {
        manual_seed(2);
        using var net = new RotResNet(layout: ConvLayout.ChannelsLast);
        using var x = rand(6, 1, 28, 28);
        using (no_grad()) net.call(x).Dispose(); // training mode once: batch norms get running statistics that are not the defaults
        net.eval();
        using var scope = NewDisposeScope();
        var logits = net.call(x);
        using (var cache = Activations.Run(net, x, ["res1", "res6"]))
            Assert.True(ChannelsLast.Is(cache["res1"]) && ChannelsLast.Is(cache["res6"]));

        // The seed's forward, step by step, on contiguous (B, C, H, W) tensors: every layer follows that layout instead.
        var layer = net.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
        Tensor h = x.contiguous();
        h = layer["res2"].call(layer["res1"].call(h));
        Assert.False(ChannelsLast.Is(h));
        h = nn.functional.max_pool2d(h, 2);
        h = nn.functional.max_pool2d(layer["res4"].call(layer["res3"].call(h)), 2);
        h = layer["res6"].call(layer["res5"].call(h));
        h = nn.functional.relu(layer["bn2d"].call(h)).flatten(1);
        h = nn.functional.relu(layer["bn1d"].call(layer["fc1"].call(h)));
        var reference = layer["fc2"].call(h);
        double scale = reference.abs().max().item<float>();
        Assert.True(scale > 0);
        Assert.True((logits - reference).abs().max().item<float>() <= 1e-4 * scale, "channels-last changed the logits beyond float rounding");
    }

    [Fact]
    public void Either_layout_gives_the_same_logits_within_float_rounding_and_keeps_its_layout_throughout()
    {
        using var last = new RotResNet(new Generator(5), ConvLayout.ChannelsLast);
        using var plain = new RotResNet(new Generator(5), ConvLayout.Contiguous);
        using var x = rand([6, 1, 28, 28], generator: new Generator(6));
        using (no_grad())
        {
            // Running statistics from one training-mode batch, the same in both: their dropout draws the same masks.
            last.Noise = new Generator(7);
            plain.Noise = new Generator(7);
            last.call(x).Dispose();
            plain.call(x).Dispose();
        }
        last.eval();
        plain.eval();
        using var scope = NewDisposeScope();
        using var a = Activations.Run(last, x, ["res1", "res6"]);
        using var b = Activations.Run(plain, x, ["res1", "res6"]);
        Assert.True(ChannelsLast.Is(a["res1"]) && ChannelsLast.Is(a["res6"]));
        Assert.True(b["res1"].is_contiguous() && b["res6"].is_contiguous());
        double scale = a.Output.abs().max().item<float>();
        Assert.True(scale > 0);
        Assert.True((a.Output - b.Output).abs().max().item<float>() <= 1e-4 * scale, "the layouts' logits differ beyond float rounding");
    }

    [Fact]
    public void In_training_either_layout_gives_the_same_logits_and_gradients_within_float_rounding()
    {
        // Training mode: batch statistics, the fused pool and the dropout masks, which are drawn in logical order.
        using var last = new RotResNet(new Generator(5), ConvLayout.ChannelsLast);
        using var plain = new RotResNet(new Generator(5), ConvLayout.Contiguous);
        last.Noise = new Generator(7);
        plain.Noise = new Generator(7);
        using var scope = NewDisposeScope();
        var x = rand([8, 1, 28, 28], generator: new Generator(6));
        var y = randint(0, 10, [8], generator: new Generator(6));
        var a = last.call(x);
        var b = plain.call(x);
        double scale = a.abs().max().item<float>();
        Assert.True(scale > 0);
        Assert.True((a - b).abs().max().item<float>() <= 1e-4 * scale, "the layouts' training logits differ beyond float rounding");
        nn.functional.cross_entropy(a, y).backward();
        nn.functional.cross_entropy(b, y).backward();
        var pa = last.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        // A convolution bias feeding a batch norm has no gradient in exact arithmetic (the norm subtracts the mean):
        // its float gradient is rounding noise, so every gradient is also measured against the largest in the model.
        double floor = 1e-3 * pa.Values.Max(g => g.abs().max().item<float>());
        foreach (var (name, parameter) in plain.named_parameters())
        {
            var ga = pa[name];
            double gscale = Math.Max(ga.abs().max().item<float>(), floor);
            Assert.True((ga - parameter.grad!).abs().max().item<float>() <= 1e-3 * gscale, $"{name}: the layouts' gradients differ beyond float rounding");
        }
    }
}
