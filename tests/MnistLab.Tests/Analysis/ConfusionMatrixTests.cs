using MnistLab.Analysis;

namespace MnistLab.Tests.Analysis;

public class ConfusionMatrixTests
{
    [Fact]
    public void Counts_accuracy_and_most_confused_pairs()
    {
        long[] labels = [0, 0, 0, 1, 1, 2, 2, 2, 2];
        long[] preds = [0, 1, 1, 1, 1, 2, 0, 2, 2];
        var cm = ConfusionMatrix.Compute(labels, preds, classes: 3);
        Assert.Equal(2, cm.Counts[0, 1]);
        Assert.Equal(1, cm.Counts[2, 0]);
        Assert.Equal(6.0 / 9, cm.Accuracy, 12);
        Assert.Equal([1.0 / 3, 1.0, 0.75], cm.PerClassAccuracy());
        var top = cm.MostConfused(5);
        Assert.Equal(2, top.Count);
        Assert.Equal((0, 1, 2), (top[0].True, top[0].Predicted, top[0].Count));
        Assert.Equal(2.0 / 3, top[0].FractionOfTrue, 12);
    }

    [Fact]
    public void Mismatched_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ConfusionMatrix.Compute([1, 2], [1]));
    }
}
