using static TorchSharp.torch;

namespace MnistLab.Analysis.Concepts;

/// <summary>The extent of each binarised digit (pixels > 0.5) along rows or columns.</summary>
static class BoundingBox
{
    public static double[] Extent(ConceptImages images, bool columns)
    {
        using var scope = NewDisposeScope();
        // (N, 28): whether any foreground pixel lies in each column (or row).
        var any = images.Images.squeeze(1).gt(Features.Topology.DefaultThreshold).any(columns ? 1 : 2).to_type(ScalarType.Int32).contiguous();
        var flags = any.data<int>().ToArray();
        return Enumerable.Range(0, images.Count).Select(i =>
        {
            var span = flags.AsSpan(i * 28, 28);
            int first = span.IndexOf(1), last = span.LastIndexOf(1);
            return first < 0 ? 0.0 : last - first + 1;
        }).ToArray();
    }
}
