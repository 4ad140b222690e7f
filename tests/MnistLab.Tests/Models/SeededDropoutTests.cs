using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Models;

/// <summary>Dropout's masks: the hash they are defined by, their rate, their independence of the memory layout, and their seeding.</summary>
public class SeededDropoutTests
{
    static Tensor Drop(Tensor x, double p, long seed)
    {
        using var drop = new SeededDropout(p);
        drop.train();
        using var g = new Generator((ulong)seed);
        drop.Generator = g;
        return drop.call(x);
    }

    /// <summary>The mask the definition gives: element i (logical order) kept when Hash(key, i) ≥ p·2³², the key the generator's first draw.</summary>
    static float[] Defined(long n, double p, long seed)
    {
        using var g = new Generator((ulong)seed);
        var key = randint(0, 1L << 32, [2], generator: g).data<long>().ToArray();
        uint threshold = (uint)Math.Round(p * 4294967296.0);
        return [.. Enumerable.Range(0, (int)n).Select(i => DropoutMasks.Hash(i, (uint)key[0], (uint)key[1]) >= threshold ? (float)(1 / (1 - p)) : 0f)];
    }

    [Theory]
    [InlineData(2, 8, 4, 4, 0.5)]
    [InlineData(3, 5, 3, 7, 0.3)]  // channels not a multiple of the vector width: the tail runs one element at a time
    [InlineData(1, 64, 14, 14, 0.5)]
    public void Channels_last_and_contiguous_inputs_get_the_masks_the_hash_defines_in_logical_order_and_keep_their_layout(int b, int c, int h, int w, double p)
    {
        using var scope = NewDisposeScope();
        var ones_ = ones(b, c, h, w);
        var last = Drop(ChannelsLast.Of(ones_), p, 11);
        var plain = Drop(ones_, p, 11);
        Assert.True(ChannelsLast.Is(last));
        Assert.True(plain.is_contiguous());
        var expected = Defined(b * c * h * w, p, 11);
        Assert.Equal(expected, plain.reshape(-1).data<float>().ToArray());
        Assert.Equal(expected, last.contiguous().reshape(-1).data<float>().ToArray());
    }

    [Fact]
    public void Keeps_one_minus_p_of_the_elements_independently_and_scales_them_by_its_inverse()
    {
        using var scope = NewDisposeScope();
        const double p = 0.3;
        const int n = 1 << 20;
        var y = Drop(ones(16, 64, 32, 32), p, 3).reshape(-1);
        var kept = y.gt(0).to_type(ScalarType.Float64);
        double rate = kept.mean().item<double>();
        double sd = Math.Sqrt(p * (1 - p) / n);
        Assert.InRange(rate, 1 - p - 5 * sd, 1 - p + 5 * sd);
        Assert.Equal((float)(1 / (1 - p)), y.max().item<float>());
        // Neighbours (in logical order, and one channel apart) are kept together as often as independent draws would be.
        foreach (long step in new long[] { 1, 32 * 32 })
        {
            double both = (kept[TensorIndex.Slice(step)] * kept[TensorIndex.Slice(null, -step)]).mean().item<double>();
            Assert.InRange(both, (1 - p) * (1 - p) - 0.005, (1 - p) * (1 - p) + 0.005);
        }
    }

    [Fact]
    public void The_same_generator_state_draws_the_same_mask_and_each_call_a_new_one()
    {
        using var scope = NewDisposeScope();
        var x = ones(4, 16, 8, 8);
        Assert.Equal(0, (Drop(x, 0.5, 5) - Drop(x, 0.5, 5)).abs().max().item<float>());
        Assert.NotEqual(0, (Drop(x, 0.5, 5) - Drop(x, 0.5, 6)).abs().max().item<float>());
        using var drop = new SeededDropout(0.5);
        drop.train();
        drop.Generator = new Generator(5);
        var first = drop.call(x);
        var second = drop.call(x); // the generator moved on: another key, another mask
        Assert.NotEqual(0, (first - second).abs().max().item<float>());
    }

    [Fact]
    public void Passes_the_gradient_through_the_kept_elements_only()
    {
        using var scope = NewDisposeScope();
        var x = ChannelsLast.Of(randn(2, 8, 6, 6)).requires_grad_();
        var y = Drop(x, 0.5, 9);
        y.sum().backward();
        var mask = Drop(ones(2, 8, 6, 6), 0.5, 9);
        Assert.Equal(0, (x.grad! - mask).abs().max().item<float>());
    }

    [Fact]
    public void In_eval_mode_and_at_p_zero_it_is_the_identity_and_at_p_one_it_drops_everything()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 8, 4, 4);
        using var drop = new SeededDropout(0.5);
        drop.eval();
        Assert.Same(x, drop.call(x));
        Assert.Equal(0, (Drop(x, 0, 1) - x).abs().max().item<float>());
        Assert.Equal(0, Drop(x, 1, 1).abs().max().item<float>());
    }
}
