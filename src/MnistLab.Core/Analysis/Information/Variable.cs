namespace MnistLab.Analysis.Information;

/// <summary>
/// One variable of an information estimate, one value per sample: continuous (N samples of D float32 values, row-major)
/// or discrete (N codes in [0, <see cref="Classes"/>)). Immutable; a subset or reordering is a new variable.
/// </summary>
public sealed class Variable
{
    readonly float[]? _values;
    readonly int[]? _codes;

    Variable(int count, int dims, float[]? values, int[]? codes, int classes)
    {
        (Count, Dims, _values, _codes, Classes) = (count, dims, values, codes, classes);
    }

    public int Count { get; }

    /// <summary>Values per sample: D for a continuous variable, 1 for a discrete one.</summary>
    public int Dims { get; }

    /// <summary>The number of possible codes of a discrete variable; 0 for a continuous one.</summary>
    public int Classes { get; }

    public bool IsDiscrete => _codes is not null;

    /// <summary>The values (N * D, row-major) of a continuous variable.</summary>
    public ReadOnlySpan<float> Values => _values ?? throw new InvalidOperationException("a discrete variable has codes, not values.");

    /// <summary>The codes of a discrete variable.</summary>
    public ReadOnlySpan<int> Codes => _codes ?? throw new InvalidOperationException("a continuous variable has values, not codes.");

    /// <summary>A continuous variable: <paramref name="values"/> holds N * <paramref name="dims"/> numbers, sample by sample.</summary>
    public static Variable Continuous(float[] values, int dims = 1)
    {
        if (dims < 1 || values.Length % dims != 0) throw new ArgumentException($"{values.Length} values do not make rows of {dims}.");
        if (Array.FindIndex(values, v => !float.IsFinite(v)) is int bad and >= 0) throw new ArgumentException($"value {values[bad]} at index {bad} is not finite.");
        return new(values.Length / dims, dims, values, null, 0);
    }

    /// <summary>A discrete variable from codes already in [0, <paramref name="classes"/>).</summary>
    public static Variable Discrete(int[] codes, int classes)
    {
        if (classes < 1) throw new ArgumentException($"a discrete variable needs at least one class, got {classes}.");
        if (Array.FindIndex(codes, c => c < 0 || c >= classes) is int bad and >= 0) throw new ArgumentException($"code {codes[bad]} at index {bad} is outside [0, {classes}).");
        return new(codes.Length, 1, null, codes, classes);
    }

    /// <summary>A discrete variable from any integer labels: each distinct value becomes a class, in increasing order.</summary>
    public static Variable Labels(IReadOnlyList<long> labels)
    {
        var classes = labels.Distinct().Order().Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i);
        return new(labels.Count, 1, null, labels.Select(l => classes[l]).ToArray(), Math.Max(1, classes.Count));
    }

    /// <summary>The samples at <paramref name="rows"/> (a subset, a bootstrap resample or a permutation), in that order.</summary>
    public Variable Rows(ReadOnlySpan<int> rows)
    {
        if (_codes is not null)
        {
            var codes = new int[rows.Length];
            for (int i = 0; i < rows.Length; i++) codes[i] = _codes[rows[i]];
            return new(rows.Length, 1, null, codes, Classes);
        }
        var values = new float[rows.Length * Dims];
        for (int i = 0; i < rows.Length; i++) Array.Copy(_values!, (long)rows[i] * Dims, values, (long)i * Dims, Dims);
        return new(rows.Length, Dims, values, null, 0);
    }

    /// <summary>Column <paramref name="d"/> of a continuous variable as float64.</summary>
    public double[] Column(int d)
    {
        var v = Values;
        var column = new double[Count];
        for (int i = 0; i < Count; i++) column[i] = v[i * Dims + d];
        return column;
    }

    public override string ToString() => IsDiscrete ? $"discrete ({Count} samples, {Classes} classes)" : $"continuous ({Count} samples x {Dims})";
}
