namespace MnistLab.Analysis.Concepts;

/// <summary>The width of the binarised digit's bounding box in pixels (columns from the first to the last foreground one); 0 when empty.</summary>
public sealed class WidthConcept : IConcept
{
    public string Name => "width";
    public ConceptKind Kind => ConceptKind.Continuous;
    public string Description => "bounding-box width of the pixels > 0.5";

    public ConceptValues Compute(ConceptImages images) => ConceptValues.Continuous(Name, BoundingBox.Extent(images, columns: true));
}
