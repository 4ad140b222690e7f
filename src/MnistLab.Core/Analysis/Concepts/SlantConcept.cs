namespace MnistLab.Analysis.Concepts;

/// <summary>Seed 004's slant: 0.5 atan2(2 mu_xy, mu_xx - mu_yy + 1e-6) from the binarised digit's second central moments.</summary>
public sealed class SlantConcept : IConcept
{
    public string Name => "slant";
    public ConceptKind Kind => ConceptKind.Continuous;
    public string Description => "second-moment angle in radians (seed 004)";

    public ConceptValues Compute(ConceptImages images) => ConceptValues.Continuous(Name, images.Score(2));
}
