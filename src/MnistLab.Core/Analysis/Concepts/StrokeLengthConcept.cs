using MnistLab.Features;

namespace MnistLab.Analysis.Concepts;

/// <summary>The stroke length: pixels of the binarised digit's one-pixel skeleton (<see cref="Skeleton"/>).</summary>
public sealed class StrokeLengthConcept : IConcept
{
    public string Name => "stroke";
    public ConceptKind Kind => ConceptKind.Continuous;
    public string Description => "pixels of the one-pixel skeleton (Zhang-Suen thinning of the pixels > 0.5)";

    public ConceptValues Compute(ConceptImages images) => ConceptValues.Continuous(Name, images.SkeletonLengths.Select(l => (double)l).ToArray());
}
