using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Models;

public class SeededDropoutTests
{
    [Fact]
    public void Channels_last_inputs_get_the_masks_of_the_logical_order_and_keep_their_layout()
    {
        using var scope = NewDisposeScope();
        using var drop = new SeededDropout(0.5);
        drop.train();
        using var g = new Generator(11);
        drop.Generator = g;
        var x = ChannelsLast.Of(ones(2, 8, 4, 4));
        var y = drop.call(x);
        using var same = new Generator(11);
        var kept = empty(2, 8, 4, 4).bernoulli_(0.5, same); // the draws of an NCHW tensor, in its order
        Assert.True(ChannelsLast.Is(y));
        Assert.Equal(0, (y - kept * 2).abs().max().item<float>()); // kept values scaled by 1 / (1 - p)
    }
}
