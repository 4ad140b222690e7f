using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Data;

public class BatchesTests
{
    static List<long> LabelsInOrder(LabeledImages data, int batch, long? seed)
    {
        using var g = seed is { } s ? TorchSetup.Generator(s) : null;
        var result = new List<long>();
        foreach (var (x, y) in Batches.Of(data, batch, g))
        {
            result.AddRange(y.data<long>().ToArray());
            x.Dispose();
            y.Dispose();
        }
        return result;
    }

    [Fact]
    public void The_same_seed_gives_the_same_order_and_another_seed_another()
    {
        using var data = Digits.SeparableSet(20);
        var a = LabelsInOrder(data, 16, 7);
        var b = LabelsInOrder(data, 16, 7);
        var c = LabelsInOrder(data, 16, 8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Every_item_appears_once_per_epoch_and_the_last_batch_is_smaller()
    {
        using var data = Digits.SeparableSet(10); // 100 items
        using var g = TorchSetup.Generator(3);
        var sizes = new List<long>();
        var images = new List<float>();
        foreach (var (x, y) in Batches.Of(data, 32, g))
        {
            sizes.Add(y.shape[0]);
            images.AddRange(x.sum([1, 2, 3]).data<float>().ToArray());
        }
        Assert.Equal([32L, 32, 32, 4], sizes);
        var expected = data.Images.sum([1, 2, 3]).data<float>().ToArray().OrderBy(v => v);
        Assert.Equal(expected, images.OrderBy(v => v));
    }

    [Fact]
    public void Without_a_generator_the_order_is_the_stored_order()
    {
        using var data = Digits.SeparableSet(3);
        Assert.Equal(data.LabelArray(), LabelsInOrder(data, 7, null));
    }
}
