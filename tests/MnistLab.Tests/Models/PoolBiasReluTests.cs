using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Models;

/// <summary>The fused relu(max_pool2d(x, 2) + bias) against libtorch's own operators, and on cases whose answer is known by hand.</summary>
public class PoolBiasReluTests
{
    static Tensor ChannelsLastRandn(long[] shape, Generator g) => randn([shape[0], shape[2], shape[3], shape[1]], generator: g).permute(0, 3, 1, 2);

    [Theory]
    [InlineData(3, 16, 6, 6, 1)]
    [InlineData(2, 24, 24, 24, 1)]
    [InlineData(5, 32, 10, 10, 2)]
    [InlineData(64, 32, 24, 24, 2)] // above a million elements: split between the threads
    [InlineData(2, 8, 7, 5, 2)]   // odd sides: the last row and column are never read and get no gradient
    public void The_kernel_gives_libtorchs_values_and_gradients(int n, int c, int h, int w, int threads)
    {
        int before = get_num_threads();
        set_num_threads(threads);
        try
        {
            using var scope = NewDisposeScope();
            using var g = new Generator(7);
            var x = ChannelsLastRandn([n, c, h, w], g).requires_grad_();
            var b = randn([c], generator: g).requires_grad_();
            var upstream = randn([n, c, h / 2, w / 2], generator: g);
            Assert.True(ChannelsLast.Is(x));

            var fused = PoolBiasRelu.Apply(x, b);
            fused.backward([upstream]);
            var (gx, gb) = (x.grad!.clone(), b.grad!.clone());
            x.grad!.zero_();
            b.grad!.zero_();
            var reference = PoolBiasRelu.Reference(x, b);
            reference.backward([upstream]);

            Assert.Equal([n, c, h / 2, w / 2], fused.shape);
            Assert.True(ChannelsLast.Is(fused));
            Assert.Equal(0, (fused - reference).abs().max().item<float>());     // the same max, the same sum, the same relu
            Assert.Equal(0, (gx - x.grad!).abs().max().item<float>());          // the same winners
            Assert.True((gb - b.grad!).abs().max().item<float>() < 1e-4f * Math.Max(1, b.grad!.abs().max().item<float>())); // sums in another order
        }
        finally { set_num_threads(before); }
    }

    [Fact]
    public void Each_window_sends_its_gradient_to_its_largest_input_and_to_the_first_of_equal_ones()
    {
        // One image, 8 channels, one 2x2 window. Channel k has its largest value at position k % 4 (row by row);
        // channel 4..7 hold four equal values in positions k % 4 onward, so the first of them wins.
        using var scope = NewDisposeScope();
        var values = new float[2, 2, 8];
        for (int k = 0; k < 8; k++)
            for (int p = 0; p < 4; p++)
                values[p / 2, p % 2, k] = k < 4 ? (p == k ? 5 : p) : (p >= k % 4 ? 3 : -1);
        var x = tensor(values.Cast<float>().ToArray(), [1, 2, 2, 8]).permute(0, 3, 1, 2).requires_grad_();
        var b = full(8, -1f).requires_grad_();
        var y = PoolBiasRelu.Apply(x, b);
        Assert.Equal([4f, 4, 4, 4, 2, 2, 2, 2], y.reshape(-1).data<float>().ToArray());
        y.sum().backward();
        var grad = x.grad!.permute(0, 2, 3, 1).reshape(4, 8); // rows: window positions, columns: channels
        for (int k = 0; k < 8; k++)
            for (int p = 0; p < 4; p++)
                Assert.Equal(p == k % 4 ? 1f : 0f, grad[p, k].item<float>());
        Assert.Equal(Enumerable.Repeat(1f, 8), b.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Outputs_the_relu_has_zeroed_pass_no_gradient()
    {
        using var scope = NewDisposeScope();
        var x = ones([1, 8, 2, 2]).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).requires_grad_();
        var b = full(8, -2f).requires_grad_(); // max 1 + bias -2 < 0: every output is cut by the relu
        var y = PoolBiasRelu.Apply(x, b);
        Assert.Equal(0, y.abs().sum().item<float>());
        y.sum().backward();
        Assert.Equal(0, x.grad!.abs().sum().item<float>());
        Assert.Equal(0, b.grad!.abs().sum().item<float>());
    }

    [Fact]
    public void Inputs_the_kernel_does_not_take_give_the_same_result_through_libtorch()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(3);
        var nchw = randn([2, 12, 6, 6], generator: g);        // not channels-last, 12 channels: libtorch's path
        var b = randn([12], generator: g);
        var expected = PoolBiasRelu.Reference(nchw, b);
        Assert.Equal(0, (PoolBiasRelu.Apply(nchw, b) - expected).abs().max().item<float>());
        var nchw16 = randn([2, 16, 6, 6], generator: g);
        var b16 = randn([16], generator: g);
        var fused = PoolBiasRelu.Apply(ChannelsLast.Of(nchw16), b16);
        Assert.Equal(0, (fused - PoolBiasRelu.Reference(nchw16, b16)).abs().max().item<float>());
    }
}
