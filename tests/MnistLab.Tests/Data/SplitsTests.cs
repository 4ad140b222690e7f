using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Data;

public class SplitsTests
{
    [Fact]
    public void Split_is_disjoint_complete_and_repeatable()
    {
        using var data = Digits.SeparableSet(10);
        // Tag each image by its index in its first pixel, so the split can be traced back.
        for (int i = 0; i < data.Count; i++) data.Images[i, 0, 0, 0] = i;
        var (train, val) = Splits.TrainValidation(data, 25, seed: 5);
        var (train2, val2) = Splits.TrainValidation(data, 25, seed: 5);
        using (train) using (val) using (train2) using (val2)
        {
            var t = train.Images[.., 0, 0, 0].data<float>().ToArray();
            var v = val.Images[.., 0, 0, 0].data<float>().ToArray();
            Assert.Equal(75, t.Length);
            Assert.Equal(25, v.Length);
            Assert.Empty(t.Intersect(v));
            Assert.Equal(Enumerable.Range(0, 100).Select(i => (float)i), t.Concat(v).OrderBy(x => x));
            Assert.Equal(v, val2.Images[.., 0, 0, 0].data<float>().ToArray());
        }
    }

    [Fact]
    public void A_validation_size_that_leaves_no_training_data_is_refused()
    {
        using var data = Digits.SeparableSet(1);
        Assert.Throws<InvalidOptionException>(() => Splits.TrainValidation(data, 10, 0));
    }
}
