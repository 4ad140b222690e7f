using static TorchSharp.torch;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// An activation matrix a dictionary is learned on, read in pieces: rows of <see cref="Features"/> values, grouped by item
/// (an image of a model's point, or one row of a matrix). A conv point gives one row per position (its channels as the
/// features), so an item holds <see cref="RowsPerItem"/> rows. Training items and held-out test items are separate.
/// </summary>
public interface IActivationRows
{
    int Features { get; }
    int RowsPerItem { get; }
    int TrainItems { get; }
    int TestItems { get; }

    /// <summary>What the rows are, in one line for reports.</summary>
    string Description { get; }

    /// <summary>The rows (items · <see cref="RowsPerItem"/>, d) float32 of the training items at <paramref name="items"/> (int64), in that order.</summary>
    Tensor TrainRows(Tensor items);

    /// <summary>The rows of test items <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/>.</summary>
    Tensor TestRows(int start, int count);
}

/// <summary>The mean row and mean row norm of the training rows, in float64, read in one streamed pass.</summary>
public sealed record RowStatistics(double[] Mean, double MeanNorm, long Rows)
{
    public static RowStatistics Of(IActivationRows source, int batchItems, Common.IProgressSink progress)
    {
        var sum = new double[source.Features];
        double norms = 0;
        long rows = 0;
        using (var task = progress.Start("statistics of the training rows", source.TrainItems))
            for (int start = 0; start < source.TrainItems; start += batchItems)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(batchItems, source.TrainItems - start);
                var x = source.TrainRows(arange(start, start + n, dtype: ScalarType.Int64)).to_type(ScalarType.Float64);
                var columns = x.sum(0, keepdim: false).data<double>().ToArray();
                for (int j = 0; j < sum.Length; j++) sum[j] += columns[j];
                norms += x.norm(1, keepdim: false).sum().item<double>();
                rows += x.shape[0];
                task.Advance(n);
            }
        if (rows == 0) throw new Common.MnistLabException($"{source.Description}: no training rows.");
        var mean = sum.Select(s => s / rows).ToArray();
        foreach (var (m, j) in mean.Select((m, j) => (m, j)))
            if (!double.IsFinite(m)) throw new Common.DataFormatException($"{source.Description}: feature {j} is not finite in the training rows.");
        return new RowStatistics(mean, norms / rows, rows);
    }
}
