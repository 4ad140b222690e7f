namespace MnistLab.Analysis.Concepts;

/// <summary>A per-image concept, computed once for a whole set of images.</summary>
public interface IConcept
{
    /// <summary>Its name on the command line and in tables: <c>ring</c>, <c>slant</c>.</summary>
    string Name { get; }
    ConceptKind Kind { get; }

    /// <summary>What it is, in one line (with the seed that defines it).</summary>
    string Description { get; }

    ConceptValues Compute(ConceptImages images);
}
