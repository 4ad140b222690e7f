namespace MnistLab.Analysis;

/// <summary>A pair of classes the model mixes up: <c>Count</c> images of <c>True</c> predicted as <c>Predicted</c>.</summary>
public sealed record ConfusedPair(int True, int Predicted, int Count, double FractionOfTrue);

/// <summary>Counts[t, p] = number of items of true class t predicted as p.</summary>
public sealed class ConfusionMatrix
{
    public int[,] Counts { get; }
    public int Classes => Counts.GetLength(0);

    ConfusionMatrix(int[,] counts) => Counts = counts;

    public static ConfusionMatrix Compute(IReadOnlyList<long> labels, IReadOnlyList<long> predictions, int classes = 10)
    {
        if (labels.Count != predictions.Count)
            throw new ArgumentException($"{labels.Count} labels but {predictions.Count} predictions.");
        var counts = new int[classes, classes];
        for (int i = 0; i < labels.Count; i++) counts[labels[i], predictions[i]]++;
        return new ConfusionMatrix(counts);
    }

    public int Total => Enumerable.Range(0, Classes).Sum(t => RowTotal(t));
    public int RowTotal(int t) => Enumerable.Range(0, Classes).Sum(p => Counts[t, p]);
    public double Accuracy => (double)Enumerable.Range(0, Classes).Sum(c => Counts[c, c]) / Math.Max(1, Total);

    /// <summary>Recall of each class: the fraction of its items predicted correctly.</summary>
    public double[] PerClassAccuracy() =>
        Enumerable.Range(0, Classes).Select(c => RowTotal(c) == 0 ? double.NaN : (double)Counts[c, c] / RowTotal(c)).ToArray();

    /// <summary>The off-diagonal cells with the most items, largest first.</summary>
    public IReadOnlyList<ConfusedPair> MostConfused(int top)
    {
        var pairs = new List<ConfusedPair>();
        for (int t = 0; t < Classes; t++)
            for (int p = 0; p < Classes; p++)
                if (t != p && Counts[t, p] > 0)
                    pairs.Add(new ConfusedPair(t, p, Counts[t, p], (double)Counts[t, p] / RowTotal(t)));
        return pairs.OrderByDescending(x => x.Count).ThenBy(x => x.True).ThenBy(x => x.Predicted).Take(top).ToList();
    }

    public int[][] ToJagged() =>
        Enumerable.Range(0, Classes).Select(t => Enumerable.Range(0, Classes).Select(p => Counts[t, p]).ToArray()).ToArray();
}
