using System.Globalization;
using MnistLab.Common;

namespace MnistLab.Analysis.Concepts;

/// <summary>
/// Any column of a CSV keyed by image index (a header row; the key column is <c>index</c>, as <c>mnistlab features</c>
/// writes it, or <c>image</c>). A column of integers with at most <see cref="MaxInferredClasses"/> distinct values is
/// discrete unless a kind is given; anything else is continuous. Every image probed must have a row.
/// </summary>
public sealed class CsvConcept(string path, string column, ConceptKind? kind = null) : IConcept
{
    public const int MaxInferredClasses = 20;
    static readonly string[] Keys = ["index", "image"];

    public string Path { get; } = path;
    public string Name { get; } = column;
    public ConceptKind Kind => kind ?? Read().Kind;
    public string Description => $"column '{Name}' of {Path}";

    public ConceptValues Compute(ConceptImages images)
    {
        var (byIndex, inferred) = Read();
        var values = images.Index.Select(i => byIndex.TryGetValue(i, out double v) ? v
            : throw new DataFormatException($"{Path}: no row for image {i} (column '{Name}'); the concept needs a value for every image probed.")).ToArray();
        return (kind ?? inferred) == ConceptKind.Discrete
            ? ConceptValues.Discrete(Name, values.Select(v => v == Math.Floor(v) ? (long)v
                : throw new DataFormatException($"{Path}: column '{Name}' is read as discrete but holds {v}, not an integer.")).ToArray())
            : ConceptValues.Continuous(Name, values);
    }

    /// <summary>The column names in the header line of <paramref name="path"/>.</summary>
    public static IReadOnlyList<string> Columns(string path)
    {
        using var lines = Lines(path);
        return lines.Current.Split(',').Select(h => h.Trim()).ToArray();
    }

    /// <summary>The file's lines, positioned on the header.</summary>
    static IEnumerator<string> Lines(string path)
    {
        if (!File.Exists(path)) throw new MnistLabException($"{path}: file not found.");
        var lines = File.ReadLines(path).GetEnumerator();
        if (!lines.MoveNext())
        {
            lines.Dispose();
            throw new DataFormatException($"{path}: empty file, expected a header line.");
        }
        return lines;
    }

    (Dictionary<int, double> ByIndex, ConceptKind Kind) Read()
    {
        using var lines = Lines(Path);
        var header = lines.Current.Split(',').Select(h => h.Trim()).ToArray();
        int key = Array.FindIndex(header, h => Keys.Contains(h));
        if (key < 0) throw new DataFormatException($"{Path}: no key column; expected one named {string.Join(" or ", Keys)} holding the image index.");
        int col = Array.IndexOf(header, Name);
        if (col < 0) throw new InvalidOptionException("concepts", $"{Name}: no such column in {Path} (columns: {string.Join(", ", header)}).");
        var byIndex = new Dictionary<int, double>();
        int line = 1;
        while (lines.MoveNext())
        {
            line++;
            if (string.IsNullOrWhiteSpace(lines.Current)) continue;
            var cells = lines.Current.Split(',');
            if (cells.Length != header.Length) throw new DataFormatException($"{Path}, line {line}: {cells.Length} fields, expected {header.Length} as in the header.");
            if (!int.TryParse(cells[key].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int index) || index < 0)
                throw new DataFormatException($"{Path}, line {line}, column '{header[key]}': '{cells[key].Trim()}' is not an image index (an integer ≥ 0).");
            if (!double.TryParse(cells[col].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                throw new DataFormatException($"{Path}, line {line}, column '{Name}': '{cells[col].Trim()}' is not a finite number.");
            if (!byIndex.TryAdd(index, v)) throw new DataFormatException($"{Path}, line {line}: image {index} appears twice.");
        }
        bool discrete = byIndex.Values.All(v => v == Math.Floor(v) && Math.Abs(v) < 1e15) && byIndex.Values.Distinct().Count() <= MaxInferredClasses;
        return (byIndex, discrete ? ConceptKind.Discrete : ConceptKind.Continuous);
    }
}
