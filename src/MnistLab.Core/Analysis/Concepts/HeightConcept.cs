namespace MnistLab.Analysis.Concepts;

/// <summary>The height of the binarised digit's bounding box in pixels (rows from the first to the last foreground one); 0 when empty.</summary>
public sealed class HeightConcept : IConcept
{
    public string Name => "height";
    public ConceptKind Kind => ConceptKind.Continuous;
    public string Description => "bounding-box height of the pixels > 0.5";

    public ConceptValues Compute(ConceptImages images) => ConceptValues.Continuous(Name, BoundingBox.Extent(images, columns: false));
}
