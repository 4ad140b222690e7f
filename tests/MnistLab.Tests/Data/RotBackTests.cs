using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Data;

public class RotBackTests
{
    [Fact]
    public void Generation_is_seeded_cached_and_follows_the_recipe()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 60, test: 20);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        var options = new RotBackOptions { TrainValidCount = 50, TestCount = 30, Seed = 3 };
        string cache = dir.File("cache");

        using var first = RotBack.Generate(mnist, options, cache);
        Assert.Single(Directory.GetFiles(cache));
        using var second = RotBack.Generate(mnist, options, cache); // from the cache
        using var fresh = RotBack.Generate(mnist, options, dir.File("other-cache"));
        using var otherSeed = RotBack.Generate(mnist, options with { Seed = 4 }, cache);

        Assert.Equal((50, 30), (first.TrainValid.Count, first.Test.Count));
        Assert.True(first.TrainValid.Images.equal(second.TrainValid.Images).all().item<bool>());
        Assert.True(first.Test.Images.equal(fresh.Test.Images).all().item<bool>());
        Assert.False(first.TrainValid.Images.equal(otherSeed.TrainValid.Images).all().item<bool>());
        // Digit over background by the maximum: every pixel at least as bright as a background, so no image is mostly black.
        Assert.True(first.TrainValid.Images.mean().item<float>() > 0.2f);
        // The labels are those of the MNIST digits drawn.
        Assert.All(first.Test.LabelArray(), l => Assert.InRange(l, 0, 9));
    }

    [Fact]
    public void A_damaged_cache_is_rebuilt_not_trusted()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 30, test: 10);
        using var mnist = Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
        var options = new RotBackOptions { TrainValidCount = 20, TestCount = 10 };
        using var a = RotBack.Generate(mnist, options, dir.File("c"));
        var file = Directory.GetFiles(dir.File("c")).Single();
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..100]);
        using var b = RotBack.Generate(mnist, options, dir.File("c"));
        Assert.True(a.TrainValid.Images.equal(b.TrainValid.Images).all().item<bool>());
    }

    [Fact]
    public void Rotating_by_a_quarter_turn_moves_a_pixel_a_quarter_turn_and_by_zero_changes_nothing()
    {
        var img = zeros(1, 1, 28, 28);
        img[0, 0, 4, 14] = 1; // above the centre
        var same = RotBack.Rotate(img, tensor(new float[] { 0 }));
        Assert.True(same.allclose(img, atol: 1e-5));
        var turned = RotBack.Rotate(img, tensor(new float[] { (float)(Math.PI / 2) }));
        var (r, c) = ((int)(turned.argmax().item<long>() / 28), (int)(turned.argmax().item<long>() % 28));
        Assert.True(Math.Abs(r - 14) <= 1 && Math.Abs(c - 14) >= 9, $"brightest pixel at ({r}, {c})"); // now beside the centre
        Assert.Equal(1f, turned.sum().item<float>(), 2); // bilinear sampling keeps the mass
    }

    [Fact]
    public void Sizes_beyond_the_mnist_digits_are_refused()
    {
        Assert.Throws<InvalidOptionException>(() => new RotBackOptions { TrainValidCount = 40000, TestCount = 40000 }.Validated());
    }

    [Fact]
    public void A_background_folder_that_does_not_exist_is_refused_before_any_work()
    {
        var e = Assert.Throws<InvalidOptionException>(() => new RotBackOptions { BackgroundsDir = "/nonexistent/backgrounds" }.Validated());
        Assert.Equal("RotBackOptions.BackgroundsDir", e.Option);
        Assert.Contains("/nonexistent/backgrounds: no such folder", e.Message);
    }

    [Fact]
    public void A_background_folder_without_images_is_a_clear_error()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("notes.txt"), "no images here");
        var e = Assert.Throws<MnistLabException>(() => Textures.FromFolder(dir.Path));
        Assert.Contains("no images", e.Message);
    }
}
