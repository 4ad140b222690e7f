namespace MnistLab.Analysis.Concepts;

/// <summary>Seed 004's thickness: the pixels a 3x3 dilation of the binarised digit adds.</summary>
public sealed class ThicknessConcept : IConcept
{
    public string Name => "thick";
    public ConceptKind Kind => ConceptKind.Continuous;
    public string Description => "pixels a 3x3 dilation adds (seed 004)";

    public ConceptValues Compute(ConceptImages images) => ConceptValues.Continuous(Name, images.Score(1));
}
