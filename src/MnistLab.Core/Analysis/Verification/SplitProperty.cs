using static TorchSharp.torch;

namespace MnistLab.Analysis.Verification;

/// <summary>
/// What is to be proved over a box, as rows of a specification: row r is proved on a set when the lower bound of
/// Rows[r]·output there is above Thresholds[r]. The rows are grouped by <see cref="Groups"/> into the disjuncts of the unsafe
/// set; a disjunct is excluded when any one of its rows is proved, and the property holds when every disjunct is.
/// A classifier's margins are one row e_label − e_j per other class, each its own group, threshold 0.
/// </summary>
/// <param name="Rows">(rows, outputs), float64.</param>
public sealed record SplitProperty(Tensor Rows, double[] Thresholds, int[] Groups)
{
    public int Count => Thresholds.Length;

    /// <summary>
    /// The property's slack on a set from its rows' lower bounds: the smallest over disjuncts of the best (largest) lower
    /// bound minus threshold among its rows. Above 0 proves the property there; below 0 leaves a disjunct open.
    /// </summary>
    public double Slack(ReadOnlySpan<double> lower) => GroupSlacks(lower).Values.Min();

    /// <summary>Each disjunct's best row bound minus threshold.</summary>
    Dictionary<int, double> GroupSlacks(ReadOnlySpan<double> lower)
    {
        var best = new Dictionary<int, double>();
        for (int r = 0; r < Count; r++)
        {
            double s = lower[r] - Thresholds[r];
            best[Groups[r]] = best.TryGetValue(Groups[r], out var b) ? Math.Max(b, s) : s;
        }
        return best;
    }

    /// <summary>The classifier's margins for <paramref name="label"/>: proved when every other class stays below it.</summary>
    public static SplitProperty Margins(int label, int classes) =>
        new(BoundGraph.MarginSpec(label, classes), new double[classes - 1], [.. Enumerable.Range(0, classes - 1)]);
}
