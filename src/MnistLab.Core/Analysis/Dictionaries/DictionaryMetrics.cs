using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// How well a dictionary reconstructs the held-out rows, and how its features fire there.
/// <list type="bullet">
/// <item>L0: mean number of features active (code &gt; 0) per row.</item>
/// <item>FVU, fraction of variance unexplained: Σ‖x − x̂‖² / Σ‖x − x̄‖², x̄ the mean held-out row; 0 is perfect, 1 is no better than the mean.</item>
/// <item>Dead: features active on no held-out row; dense: features active on more than <see cref="DenseFraction"/> of them.</item>
/// </list>
/// </summary>
public sealed record DictionaryMetrics(long Rows, double L0, double Fvu, double MeanSquaredError, int Dead, int Dense, double[] Frequency)
{
    public const double DenseFraction = 0.1;

    /// <summary>The features a report shows one by one: the most frequent that are neither dead nor dense, at most <paramref name="count"/>.</summary>
    public IReadOnlyList<int> Shown(int count = 20) => [.. Enumerable.Range(0, Frequency.Length)
        .Where(f => Frequency[f] > 0 && Frequency[f] <= DenseFraction).OrderByDescending(f => Frequency[f]).Take(count)];

    /// <summary>Measures <paramref name="dictionary"/> (a module in the input's units) on every test row of <paramref name="source"/>.</summary>
    public static DictionaryMetrics Compute(SparseAutoencoder dictionary, IActivationRows source, int batchItems, IProgressSink? progress = null)
    {
        progress ??= ProgressSink.None;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var fired = zeros(dictionary.Width, dtype: ScalarType.Float64);
        var sum = zeros(source.Features, dtype: ScalarType.Float64);
        double squares = 0, error = 0, active = 0;
        long rows = 0;
        using (var task = progress.Start("dictionary on the held-out rows", source.TestItems))
            for (int start = 0; start < source.TestItems; start += batchItems)
            {
                using var step = NewDisposeScope();
                int n = Math.Min(batchItems, source.TestItems - start);
                var x = source.TestRows(start, n);
                var codes = dictionary.Encode(x);
                var on = codes.gt(0);
                var x64 = x.to_type(ScalarType.Float64);
                error += (dictionary.Decode(codes).to_type(ScalarType.Float64) - x64).pow(2).sum().item<double>();
                squares += x64.pow(2).sum().item<double>();
                sum.add_(x64.sum(0, keepdim: false));
                fired.add_(on.sum(0, keepdim: false).to_type(ScalarType.Float64));
                active += on.sum().item<long>();
                rows += x.shape[0];
                task.Advance(n);
            }
        // Σ‖x − x̄‖² = Σ‖x‖² − ‖Σx‖² / n, in float64 so the difference keeps its digits.
        double variance = squares - sum.pow(2).sum().item<double>() / rows;
        var frequency = (fired / rows).data<double>().ToArray();
        return new DictionaryMetrics(rows, active / rows, variance > 0 ? error / variance : double.NaN, error / rows,
            frequency.Count(f => f == 0), frequency.Count(f => f > DenseFraction), frequency);
    }
}
