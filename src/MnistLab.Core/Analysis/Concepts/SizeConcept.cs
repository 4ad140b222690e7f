namespace MnistLab.Analysis.Concepts;

/// <summary>Seed 004's size: the number of foreground pixels (> 0.5).</summary>
public sealed class SizeConcept : IConcept
{
    public string Name => "size";
    public ConceptKind Kind => ConceptKind.Continuous;
    public string Description => "foreground pixel count (seed 004)";

    public ConceptValues Compute(ConceptImages images) => ConceptValues.Continuous(Name, images.Score(0));
}
