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
}
