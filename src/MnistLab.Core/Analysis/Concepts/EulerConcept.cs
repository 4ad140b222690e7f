namespace MnistLab.Analysis.Concepts;

/// <summary>The Euler number: foreground components (8-connected) minus holes; each value seen is a class.</summary>
public sealed class EulerConcept : IConcept
{
    public string Name => "euler";
    public ConceptKind Kind => ConceptKind.Discrete;
    public string Description => "foreground components (8-connected) minus holes, each value a class";

    public ConceptValues Compute(ConceptImages images) => ConceptValues.Discrete(Name, images.Topology.Euler.Select(e => (long)e).ToArray());
}
