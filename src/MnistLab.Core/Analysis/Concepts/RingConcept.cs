namespace MnistLab.Analysis.Concepts;

/// <summary>Seed 000's ring bit: 1 when some background pixel is not reached by a 4-connected flood fill from the border.</summary>
public sealed class RingConcept : IConcept
{
    public string Name => "ring";
    public ConceptKind Kind => ConceptKind.Discrete;
    public string Description => "1 when the digit encloses background (seed 000; pixels > 0.5 are foreground)";

    public ConceptValues Compute(ConceptImages images) =>
        ConceptValues.OfClasses(Name, images.Topology.Ring.Select(r => (int)r).ToArray(), ["0", "1"]);
}
