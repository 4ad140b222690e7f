namespace MnistLab.Analysis.Concepts;

/// <summary>How a concept is probed: a discrete one by a multinomial logistic probe, a continuous one by ridge regression.</summary>
public enum ConceptKind { Discrete, Continuous }

/// <summary>
/// One concept's value for every image of a set. A discrete concept holds class codes 0..K-1 (as numbers) with the
/// value each code stands for in <see cref="ClassNames"/>; a continuous one holds its values.
/// </summary>
public sealed record ConceptValues(string Name, ConceptKind Kind, double[] Values, IReadOnlyList<string> ClassNames)
{
    public int Count => Values.Length;

    /// <summary>The number of classes of a discrete concept (0 for a continuous one).</summary>
    public int Classes => ClassNames.Count;

    public bool IsDiscrete => Kind == ConceptKind.Discrete;

    /// <summary>The class codes of a discrete concept.</summary>
    public int[] Codes => IsDiscrete ? Values.Select(v => (int)v).ToArray() : throw new InvalidOperationException($"{Name} is continuous; it has no classes.");

    public static ConceptValues Continuous(string name, double[] values)
    {
        if (Array.FindIndex(values, v => !double.IsFinite(v)) is int bad and >= 0)
            throw new Common.DataFormatException($"concept {name}: value {values[bad]} of image {bad} is not a finite number.");
        return new(name, ConceptKind.Continuous, values, []);
    }

    /// <summary>A discrete concept from integer values: each distinct value is a class, in increasing order.</summary>
    public static ConceptValues Discrete(string name, IReadOnlyList<long> values)
    {
        var distinct = values.Distinct().Order().ToList();
        var code = distinct.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => (double)p.i);
        return new(name, ConceptKind.Discrete, values.Select(v => code[v]).ToArray(), distinct.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList());
    }

    /// <summary>A discrete concept over a fixed list of classes (all ten digits even when a sample lacks some).</summary>
    public static ConceptValues OfClasses(string name, int[] codes, IReadOnlyList<string> classNames) =>
        new(name, ConceptKind.Discrete, codes.Select(c => (double)c).ToArray(), classNames);

    /// <summary>The images at <paramref name="rows"/>, in that order.</summary>
    public ConceptValues Rows(IReadOnlyList<int> rows) => this with { Values = rows.Select(i => Values[i]).ToArray() };
}
