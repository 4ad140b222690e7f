namespace MnistLab.Analysis.Concepts;

/// <summary>The number of enclosed background components (0, 1 or 2 for most digits); each count seen is a class.</summary>
public sealed class HolesConcept : IConcept
{
    public string Name => "holes";
    public ConceptKind Kind => ConceptKind.Discrete;
    public string Description => "enclosed background components (4-connected), each count a class";

    public ConceptValues Compute(ConceptImages images) => ConceptValues.Discrete(Name, images.Topology.Holes.Select(h => (long)h).ToArray());
}
