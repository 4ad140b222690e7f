using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Tests.Models;

/// <summary>The single-pass 2x2 max-pool against libtorch's max_pool2d: the same values, the same winners, the same layout.</summary>
public class MaxPool2Tests
{
    static Tensor ChannelsLastRandn(long[] shape, Generator g) => randn([shape[0], shape[2], shape[3], shape[1]], generator: g).permute(0, 3, 1, 2);

    [Theory]
    [InlineData(3, 16, 6, 6, 1)]
    [InlineData(32, 64, 28, 28, 2)] // the ResNet's first pool: above a million elements, split between the threads
    [InlineData(2, 8, 7, 5, 2)]     // odd sides: the last row and column are never read and get no gradient
    public void Gives_libtorchs_values_and_gradients(int n, int c, int h, int w, int threads)
    {
        int before = get_num_threads();
        set_num_threads(threads);
        try
        {
            using var scope = NewDisposeScope();
            using var g = new Generator(3);
            var x = ChannelsLastRandn([n, c, h, w], g).requires_grad_();
            var upstream = randn([n, c, h / 2, w / 2], generator: g);
            var pooled = MaxPool2.Apply(x);
            pooled.backward([upstream]);
            var gx = x.grad!.clone();
            x.grad!.zero_();
            var reference = nn.functional.max_pool2d(x, 2);
            reference.backward([upstream]);

            Assert.True(ChannelsLast.Is(pooled));
            Assert.Equal(0, (pooled - reference).abs().max().item<float>());
            Assert.Equal(0, (gx - x.grad!).abs().max().item<float>());
        }
        finally { set_num_threads(before); }
    }

    [Fact]
    public void Ties_send_the_gradient_to_the_first_input_as_max_pool2d_does()
    {
        using var scope = NewDisposeScope();
        var x = ChannelsLast.Of(ones(1, 8, 2, 2)).requires_grad_();
        MaxPool2.Apply(x).sum().backward();
        var grad = x.grad!.permute(0, 2, 3, 1).reshape(4, 8); // rows: window positions row by row
        Assert.Equal(8, grad[0].sum().item<float>());
        Assert.Equal(0, grad[TensorIndex.Slice(1)].abs().sum().item<float>());
    }

    [Fact]
    public void Inputs_the_kernel_does_not_take_go_through_max_pool2d()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 6, 6); // contiguous, 3 channels
        Assert.Equal(0, (MaxPool2.Apply(x) - nn.functional.max_pool2d(x, 2)).abs().max().item<float>());
    }
}
