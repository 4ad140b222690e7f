using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Information;

/// <summary>
/// A variable as codes: a discrete one as it is; a continuous one binned coordinate by coordinate and, with several
/// coordinates, each sample's pattern of bins numbered in order of first appearance (the "discretised layer" of the
/// information-plane papers). <see cref="Space"/> is how many codes are possible (bins^D), which the Panzeri-Treves
/// correction needs; it is capped at <see cref="int.MaxValue"/>.
/// </summary>
public sealed record BinCodes(int[] Codes, int Distinct, double Space)
{
    public static BinCodes Of(Variable v, Binning binning)
    {
        if (v.IsDiscrete) return new(v.Codes.ToArray(), v.Classes, v.Classes);
        int n = v.Count, d = v.Dims;
        var perColumn = binning.Kind == BinningKind.EqualMass ? EqualMass(v, binning.Count) : EqualWidth(v, binning);
        double space = Math.Min(Math.Pow(binning.Count, d), int.MaxValue);
        if (d == 1) return new(perColumn, binning.Count, binning.Count);
        var ids = new Dictionary<int[], int>(RowComparer.Instance);
        var codes = new int[n];
        for (int i = 0; i < n; i++)
        {
            var row = perColumn.AsSpan(i * d, d).ToArray();
            if (!ids.TryGetValue(row, out int id)) ids[row] = id = ids.Count;
            codes[i] = id;
        }
        return new(codes, ids.Count, space);
    }

    /// <summary>
    /// Seed 002's bins exactly: edges = linspace(min, max, bins + 1) in float32, bin = bucketize(value, edges) - 1 clamped
    /// to [0, bins - 1], by the same libtorch calls as <see cref="MutualInformation.HardCounts"/>. With a data range, each
    /// coordinate is cut into equal parts between its own minimum and maximum.
    /// </summary>
    static int[] EqualWidth(Variable v, Binning binning)
    {
        using var scope = NewDisposeScope();
        int n = v.Count, d = v.Dims;
        var values = tensor(v.Values.ToArray(), [n, d]);
        Tensor bins;
        if (!binning.DataRange)
        {
            var edges = linspace(binning.Min, binning.Max, binning.Count + 1, dtype: ScalarType.Float32);
            bins = bucketize(values, edges).sub_(1).clamp_(0, binning.Count - 1);
        }
        else
        {
            // Every coordinate at once: bin = floor((v - min) / (max - min) * bins), the maximum in the last bin, a constant coordinate all in bin 0.
            var lo = values.amin([0], keepdim: true);
            var span = values.amax([0], keepdim: true) - lo;
            var scaled = (values - lo) / where(span.gt(0), span, ones_like(span));
            bins = scaled.mul_(binning.Count).floor_().clamp_(0, binning.Count - 1).to_type(ScalarType.Int64);
        }
        return bins.to_type(ScalarType.Int32).contiguous().data<int>().ToArray();
    }

    /// <summary>
    /// Equal-mass bins per coordinate: the edges are the sample's j/bins quantiles (order statistics), and a value goes
    /// above every edge it equals, so tied values always share a bin.
    /// </summary>
    static int[] EqualMass(Variable v, int bins)
    {
        int n = v.Count, d = v.Dims;
        var codes = new int[n * d];
        Parallel.For(0, d, TorchSetup.Parallel, j =>
        {
            var column = v.Column(j);
            var sorted = (double[])column.Clone();
            Array.Sort(sorted);
            var edges = Enumerable.Range(1, bins - 1).Select(k => sorted[Math.Min(n - 1, (int)((long)k * n / bins))]).ToArray();
            for (int i = 0; i < n; i++)
            {
                int lo = 0, hi = edges.Length; // first edge greater than the value
                while (lo < hi)
                {
                    int mid = (lo + hi) >> 1;
                    if (edges[mid] <= column[i]) lo = mid + 1; else hi = mid;
                }
                codes[i * d + j] = lo;
            }
        });
        return codes;
    }

    sealed class RowComparer : IEqualityComparer<int[]>
    {
        public static readonly RowComparer Instance = new();
        public bool Equals(int[]? a, int[]? b) => a.AsSpan().SequenceEqual(b);

        public int GetHashCode(int[] row)
        {
            var h = new HashCode();
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
            return h.ToHashCode();
        }
    }
}
