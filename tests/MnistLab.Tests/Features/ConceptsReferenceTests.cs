using MnistLab.Features;
using MnistLab.Tests.Support;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Features;

/// <summary>The fast concept scores against seed 004's concept_scores written out as the seed writes it.</summary>
[Collection(RealMnistCollection.Name)]
public class ConceptsReferenceTests(RealMnist mnist)
{
    static Tensor SeedConceptScores(Tensor x)
    {
        using var _ = no_grad();
        var b = x.gt(0.5).to_type(ScalarType.Float32);
        var size = b.sum([1, 2, 3]);
        var dil = functional.conv2d(b, ones(1, 1, 3, 3), padding: [1, 1]).gt(0).to_type(ScalarType.Float32);
        var thick = (dil - b).sum([1, 2, 3]);
        var xs = arange(28, dtype: ScalarType.Float32).view(1, 1, 28, 1);
        var ys = arange(28, dtype: ScalarType.Float32).view(1, 1, 1, 28);
        var m00 = size + 1e-6f;
        var mx = (b * xs).sum([1, 2, 3]) / m00;
        var my = (b * ys).sum([1, 2, 3]) / m00;
        var xc = xs - mx.view(-1, 1, 1, 1);
        var yc = ys - my.view(-1, 1, 1, 1);
        var uxx = (b * xc.square()).sum([1, 2, 3]) / m00;
        var uyy = (b * yc.square()).sum([1, 2, 3]) / m00;
        var uxy = (b * xc * yc).sum([1, 2, 3]) / m00;
        var slant = atan2(uxy.mul(2), uxx - uyy + 1e-6f).mul(0.5);
        return stack([size, thick, slant], 1);
    }

    [Fact]
    public void Agrees_with_the_seeds_formulas_on_the_real_test_set()
    {
        var images = mnist.Data.Test.Images;
        using var fast = Concepts.Compute(images);
        using var seed = SeedConceptScores(images);
        Assert.True(fast[.., 0].equal(seed[.., 0]).all().item<bool>(), "size differs");
        Assert.True(fast[.., 1].equal(seed[.., 1]).all().item<bool>(), "thickness differs");
        // Slant: the seed sums in float32, the fast path forms the moments in float64 from exact integer sums,
        // so they agree to float32 rounding except where uxx - uyy + 1e-6 is within rounding of 0 and the angle wraps.
        var diff = (fast[.., 2] - seed[.., 2]).abs();
        double close = diff.lt(1e-4).to_type(ScalarType.Float64).mean().item<double>();
        Assert.True(close > 0.999, $"only {close:P3} of slants agree to 1e-4");
    }
}
