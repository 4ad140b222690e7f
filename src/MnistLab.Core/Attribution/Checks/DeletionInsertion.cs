using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution.Checks;

/// <summary>A curve of the target's softmax probability against the fraction of pixels changed, mean over the images, and its area.</summary>
public sealed record Curve(double[] Fractions, double[] Probability, double Area);

/// <param name="DeletionMostFirst">Pixels set to the baseline in order of attribution, most relevant first: a faithful map makes it fall fast (small area).</param>
/// <param name="DeletionLeastFirst">The same, least relevant first: it should fall slowly (large area).</param>
/// <param name="InsertionMostFirst">Pixels put back onto the baseline, most relevant first: it should rise fast (large area).</param>
/// <param name="InsertionLeastFirst">The same, least relevant first (small area).</param>
/// <param name="DeletionRandom">Deletion in a random order, the reference a map has to beat.</param>
/// <param name="InsertionRandom">Insertion in a random order.</param>
public sealed record DeletionInsertionResult(Curve DeletionMostFirst, Curve DeletionLeastFirst, Curve InsertionMostFirst, Curve InsertionLeastFirst,
    Curve DeletionRandom, Curve InsertionRandom);

/// <summary>
/// Deletion and insertion curves (Petsiuk et al. 2018, RISE): the image's pixels are ordered by their attribution and
/// removed from the image (set to the baseline, black) or added to the baseline in that order, both most relevant
/// first and least relevant first, with a random order for reference (seeded). Only the 784 pixels are ordered;
/// any other input (the ring bit) stays as it is. All images and steps run in batches.
/// </summary>
public static class DeletionInsertion
{
    public static DeletionInsertionResult Compute(AttributionInput input, AttributionResult maps, int steps = 20, long seed = 0, int batchRows = 2048)
    {
        var layout = InputLayout.Of(input.ExampleShape);
        if (!layout.HasImage) throw new InvalidOptionException("DeletionInsertion", $"deletion and insertion order the pixels of an image; inputs of shape ({string.Join(", ", input.ExampleShape)}) have none.");
        using var scope = NewDisposeScope();
        int n = input.Count, pixels = InputLayout.Pixels;
        var images = layout.Images(input.Inputs).reshape(n, pixels);
        using var mapTensor = maps.ToTensor();
        var scores = layout.Images(mapTensor).reshape(n, pixels).to_type(ScalarType.Float32);
        using var g = Seeds.Generator(seed, "deletion-insertion/random-order");
        var random = rand([n, pixels], generator: g);
        // rank[i, p] = position of pixel p in image i's order.
        Tensor Rank(Tensor key) => key.argsort(1, descending: true).argsort(1);
        var orders = new[] { Rank(scores), Rank(-scores), Rank(random) };
        var fractions = Enumerable.Range(0, steps + 1).Select(k => (double)k / steps).ToArray();
        var curves = new double[3, 2][];
        var targets = tensor(input.Targets);
        for (int o = 0; o < 3; o++)
            for (int kind = 0; kind < 2; kind++)
                curves[o, kind] = fractions.Select(f =>
                {
                    using var step = NewDisposeScope();
                    var changed = (orders[o] < (long)Math.Round(f * pixels)).to_type(images.dtype);
                    var pix = kind == 0 ? images * (1 - changed) : images * changed; // deletion keeps the rest; insertion starts from black
                    var x = layout.WithImages(input.Inputs, pix.reshape(n, 1, 28, 28));
                    return Probability(input, x, targets, batchRows);
                }).ToArray();
        Curve C(double[] ys) => new(fractions, ys, Area(fractions, ys));
        return new DeletionInsertionResult(C(curves[0, 0]), C(curves[1, 0]), C(curves[0, 1]), C(curves[1, 1]), C(curves[2, 0]), C(curves[2, 1]));
    }

    static double Probability(AttributionInput input, Tensor x, Tensor targets, int batchRows) => ModelCalls.InEval(input.Model, () =>
    {
        double sum = 0;
        for (int start = 0; start < input.Count; start += batchRows)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            int m = Math.Min(batchRows, input.Count - start);
            var p = TorchSharp.torch.nn.functional.softmax(input.Model.call(x.narrow(0, start, m)), 1).gather(1, targets.narrow(0, start, m).view(-1, 1));
            sum += p.to_type(ScalarType.Float64).sum().item<double>();
        }
        return sum / input.Count;
    });

    static double Area(double[] xs, double[] ys) => Enumerable.Range(1, xs.Length - 1).Sum(k => (xs[k] - xs[k - 1]) * (ys[k] + ys[k - 1]) / 2);
}
