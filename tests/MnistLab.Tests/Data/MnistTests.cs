using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Data;

public class MnistTests
{
    static MnistFiles Files(string dir) => MnistLocator.TryFolder(dir)!;

    [Fact]
    public void Loads_images_scaled_to_unit_interval_like_ToTensor()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path);
        using var mnist = Mnist.Load(Files(dir.Path));
        Assert.Equal(50, mnist.Train.Count);
        Assert.Equal(20, mnist.Test.Count);
        Assert.Equal([50L, 1, 28, 28], mnist.Train.Images.shape);
        var (pixels, _) = Digits.Separable(5, seed: 2);
        // byte 255 -> 1.0, byte b -> b / 255 exactly as float32
        Assert.Equal(pixels[100] / 255f, mnist.Train.Images.reshape(-1)[100].item<float>());
        Assert.Equal(1f, mnist.Train.Images.max().item<float>());
    }

    [Fact]
    public void Image_and_label_counts_must_agree()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path);
        IdxFile.WriteLabels(Path.Combine(dir.Path, MnistFiles.TrainLabelsFile.Name), new byte[49]);
        var e = Assert.Throws<DataFormatException>(() => Mnist.Load(Files(dir.Path)));
        Assert.Contains("49 labels", e.Message);
        Assert.Contains("50 images", e.Message);
    }

    [Fact]
    public void Images_must_be_28_by_28()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path);
        IdxFile.WriteImages(Path.Combine(dir.Path, MnistFiles.TestImagesFile.Name), new IdxImages(new byte[20 * 32 * 32], 20, 32, 32));
        var e = Assert.Throws<DataFormatException>(() => Mnist.Load(Files(dir.Path)));
        Assert.Contains("32x32, expected 28x28", e.Message);
    }

    [Fact]
    public void Labels_outside_0_to_9_are_rejected_with_their_index()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path);
        var labels = new byte[50];
        labels[17] = 12;
        IdxFile.WriteLabels(Path.Combine(dir.Path, MnistFiles.TrainLabelsFile.Name), labels);
        var e = Assert.Throws<DataFormatException>(() => Mnist.Load(Files(dir.Path)));
        Assert.Contains("label 12 at index 17", e.Message);
    }
}
