using static TorchSharp.torch;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// The rows a logistic probe is fitted on (their coordinates on a layer's principal axes) as managed row-major arrays:
/// float32 for a fit's first phase, float64 for its last digits. A block of the first rows is a slice, not a copy.
/// </summary>
sealed class SoftmaxRows
{
    readonly ReadOnlyMemory<float> _x32;
    readonly ReadOnlyMemory<double> _x64;

    public int Count { get; }
    public int Width { get; }

    public SoftmaxRows(double[] rows, int width) : this(rows.Select(v => (float)v).ToArray(), rows, rows.Length / width, width) { }

    SoftmaxRows(ReadOnlyMemory<float> x32, ReadOnlyMemory<double> x64, int count, int width) => (_x32, _x64, Count, Width) = (x32, x64, count, width);

    public static SoftmaxRows Of(Tensor rows)
    {
        if (rows.dim() != 2) throw new ArgumentException($"expected rows (n, d), got ({string.Join(", ", rows.shape)}).");
        using var c = rows.to_type(ScalarType.Float64).contiguous();
        return new SoftmaxRows(c.data<double>().ToArray(), (int)rows.shape[1]);
    }

    /// <summary>The rows at <paramref name="positions"/>, copied.</summary>
    public SoftmaxRows Select(int[] positions)
    {
        var x = new double[positions.Length * Width];
        for (int i = 0; i < positions.Length; i++) X64.Slice(positions[i] * Width, Width).CopyTo(x.AsSpan(i * Width, Width));
        return new SoftmaxRows(x, Width);
    }

    /// <summary>The first <paramref name="count"/> rows, a slice.</summary>
    public SoftmaxRows Take(int count)
    {
        if (count < 0 || count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"{count} of {Count} rows.");
        return new SoftmaxRows(_x32[..(count * Width)], _x64[..(count * Width)], count, Width);
    }

    /// <summary>The rows after the first <paramref name="start"/>, <paramref name="count"/> of them, a slice.</summary>
    public SoftmaxRows Slice(int start, int count) =>
        new(_x32.Slice(start * Width, count * Width), _x64.Slice(start * Width, count * Width), count, Width);

    public ReadOnlySpan<float> X32 => _x32.Span;
    public ReadOnlySpan<double> X64 => _x64.Span;
}
