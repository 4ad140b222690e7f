namespace MnistLab.Analysis.Concepts;

/// <summary>The digit itself (seed 002's target): ten classes, 0 to 9, whether or not a sample holds every one.</summary>
public sealed class ClassConcept : IConcept
{
    public string Name => "class";
    public ConceptKind Kind => ConceptKind.Discrete;
    public string Description => "the digit's label, 0-9";

    public ConceptValues Compute(ConceptImages images) =>
        ConceptValues.OfClasses(Name, images.Labels.Select(l => (int)l).ToArray(), Enumerable.Range(0, 10).Select(d => d.ToString()).ToList());
}
