using MnistLab.Data;
using MnistLab.Features;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Attribution;

public class ExperimentSectionsTests
{
    [Fact]
    public void Hole_pixels_are_the_enclosed_background_and_only_that()
    {
        // A square ring of ink around a 4x4 hole, and a bar with none.
        var ring = new float[784];
        for (int r = 8; r < 16; r++)
            for (int c = 8; c < 16; c++)
                if (r < 10 || r >= 14 || c < 10 || c >= 14) ring[r * 28 + c] = 1;
        var holes = HoleMask.Of(ring);
        Assert.Equal(16, holes.Count(h => h));
        Assert.True(holes[11 * 28 + 11] && !holes[0] && !holes[9 * 28 + 9]);
        var bar = new float[784];
        for (int r = 5; r < 20; r++) bar[r * 28 + 14] = 1;
        Assert.DoesNotContain(true, HoleMask.Of(bar));
        // A gap in the ring lets the flood in: no hole.
        ring[8 * 28 + 12] = 0; ring[9 * 28 + 12] = 0;
        Assert.DoesNotContain(true, HoleMask.Of(ring));
    }

    [Fact]
    public void Holes_agree_with_the_ring_feature_on_real_shapes()
    {
        var (pixels, labels) = Digits.Separable(3);
        using var set = LabeledImages.FromBytes(pixels, labels, "separable");
        var features = Topology.Compute(set.Images);
        for (int i = 0; i < set.Count; i++)
            Assert.Equal(features.Ring[i] == 1, HoleMask.Of(set.Images[i].reshape(-1).data<float>().ToArray()).Any(h => h));
    }

    [Fact]
    public void The_generators_replay_recovers_each_rotated_digit_and_refuses_a_wrong_replay()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 200, test: 100);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        var options = new RotBackOptions { TrainValidCount = 120, TestCount = 180, Seed = 5 };
        using var data = RotBack.Generate(mnist, options, cacheDir: dir.File("cache"));
        using var digits = RotBackDigits.Test(mnist, options, data.Test, 10, 30);
        Assert.NotNull(digits);
        Assert.Equal([30L, 1, 28, 28], digits!.shape);
        // Each stored image is the maximum of its digit and a texture: never darker than the digit, and where the digit is
        // bright (above every texture value there can be) it is the digit.
        var stored = data.Test.Images.narrow(0, 10, 30);
        Assert.True((stored - digits).min().item<float>() >= -1.01f / 255);
        Assert.True(digits.gt(0.5f).sum().item<long>() > 30 * 10);
        // Another seed's replay does not fit these images, and says so.
        Assert.Null(RotBackDigits.Test(mnist, options with { Seed = 6 }, data.Test, 10, 30));
    }
}
