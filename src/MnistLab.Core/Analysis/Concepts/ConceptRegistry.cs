using MnistLab.Common;

namespace MnistLab.Analysis.Concepts;

/// <summary>
/// Every built-in concept, registered once: the command line, the reports and the tests enumerate this list. A name
/// that is not built in is looked up among the columns of a concept CSV, if one is given; <c>NAME:discrete</c> or
/// <c>NAME:continuous</c> sets a CSV column's kind. A name asked for that is both built in and a column of the CSV is
/// refused: either reading would hide the other.
/// </summary>
public static class ConceptRegistry
{
    public static IReadOnlyList<IConcept> All { get; } =
    [
        new ClassConcept(), new RingConcept(), new HolesConcept(), new EulerConcept(),
        new SizeConcept(), new ThicknessConcept(), new SlantConcept(),
        new WidthConcept(), new HeightConcept(), new StrokeLengthConcept(),
    ];

    public static IReadOnlyList<string> Names => All.Select(c => c.Name).ToList();

    public static IConcept? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    /// <summary>The concepts named, in order; unknown names are columns of <paramref name="csv"/>, or an error listing the built-in names.</summary>
    public static IReadOnlyList<IConcept> Resolve(IEnumerable<string> names, string? csv = null)
    {
        var concepts = new List<IConcept>();
        IReadOnlyList<string>? columns = null;
        foreach (string raw in names.Select(n => n.Trim()).Where(n => n.Length > 0))
        {
            var parts = raw.Split(':', 2);
            if (csv is not null && Find(parts[0]) is { } clash && (columns ??= CsvConcept.Columns(csv)).Contains(parts[0]))
                throw new DataFormatException($"{csv}: column '{parts[0]}' has the name of the built-in concept '{clash.Name}' ({clash.Description}); " +
                                              "rename the column to probe it, or leave out the concept CSV to probe the built-in.");
            if (parts.Length == 1 && Find(raw) is { } builtIn)
            {
                concepts.Add(builtIn);
                continue;
            }
            ConceptKind? kind = parts.Length == 1 ? null : parts[1] switch
            {
                "discrete" => ConceptKind.Discrete,
                "continuous" => ConceptKind.Continuous,
                _ => throw new InvalidOptionException("concepts", $"{raw}: the kind after ':' must be discrete or continuous."),
            };
            if (csv is null)
                throw new InvalidOptionException("concepts", $"no concept '{raw}'; the concepts are {string.Join(", ", Names)}, or columns of a concept CSV.");
            concepts.Add(new CsvConcept(csv, parts[0], kind));
        }
        if (concepts.Count == 0) throw new InvalidOptionException("concepts", $"name at least one concept; the concepts are {string.Join(", ", Names)}.");
        if (concepts.Select(c => c.Name).Distinct().Count() != concepts.Count) throw new InvalidOptionException("concepts", "a concept is named twice.");
        return concepts;
    }
}
