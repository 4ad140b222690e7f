using MnistLab.Analysis.Verification;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Verification;

/// <summary>Bounds free every tensor they make (α-CROWN's slopes and optimiser state included): the live count must not grow over repeated calls.</summary>
[Collection(SerialCollection.Name)]
public class BoundsLeakTests
{
    [Theory]
    [InlineData(BoundMethod.Ibp, "cnn")]
    [InlineData(BoundMethod.Crown, "cnn")]
    [InlineData(BoundMethod.AlphaCrown, "cnn")]
    [InlineData(BoundMethod.AlphaCrown, "mlp")]
    public void Margin_and_output_bounds_do_not_leak(BoundMethod method, string net)
    {
        using var model = net == "cnn" ? SmallNets.Cnn(31) : SmallNets.Mlp(31);
        using var image = SmallNets.Image(32);
        var graph = BoundGraph.Of(model);
        void Call()
        {
            using var scope = NewDisposeScope();
            var ball = Interval.Ball(image, 0.1);
            graph.Margins(ball, 4, method);
            graph.OutputBounds(ball, method);
        }
        for (int i = 0; i < 3; i++) Call();
        long before = Tensor.TotalCount;
        for (int i = 0; i < 20; i++) Call();
        Assert.True(Tensor.TotalCount <= before, $"{Tensor.TotalCount - before} tensors more after 20 calls");
    }
}
