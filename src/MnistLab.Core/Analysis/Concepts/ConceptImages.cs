using MnistLab.Data;
using MnistLab.Features;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Concepts;

/// <summary>
/// The images a set of concepts is computed on (N, 1, 28, 28) with their labels and their index in the data set they
/// came from, and the per-image features that several concepts share (the topology, seed 004's scores, the skeleton),
/// each computed once, on first use, for all the images together. Does not own the images.
/// </summary>
public sealed class ConceptImages
{
    readonly Lazy<TopologyFeatures> _topology;
    readonly Lazy<float[]> _scores;
    readonly Lazy<int[]> _skeleton;

    public Tensor Images { get; }
    public long[] Labels { get; }

    /// <summary>Each image's index in its data set (keys of a concept CSV).</summary>
    public int[] Index { get; }

    public int Count => Labels.Length;

    public ConceptImages(Tensor images, long[] labels, int[]? index = null)
    {
        if (images.dim() != 4 || images.shape[1] != 1 || images.shape[2] != 28 || images.shape[3] != 28)
            throw new ArgumentException($"concepts are computed on images (N, 1, 28, 28), got ({string.Join(", ", images.shape)}).");
        if (images.shape[0] != labels.Length) throw new ArgumentException($"{images.shape[0]} images but {labels.Length} labels.");
        Images = images;
        Labels = labels;
        Index = index ?? Enumerable.Range(0, labels.Length).ToArray();
        _topology = new(() => Features.Topology.Compute(images));
        _scores = new(() =>
        {
            using var scores = Features.Concepts.Compute(images);
            return scores.data<float>().ToArray();
        });
        _skeleton = new(() => Skeleton.Lengths(images));
    }

    public static ConceptImages Of(LabeledImages set) => new(set.Images, set.LabelArray());

    public TopologyFeatures Topology => _topology.Value;

    /// <summary>Seed 004's score <paramref name="k"/> (0 size, 1 thick, 2 slant) of every image.</summary>
    public double[] Score(int k) => Enumerable.Range(0, Count).Select(i => (double)_scores.Value[i * 3 + k]).ToArray();

    public int[] SkeletonLengths => _skeleton.Value;
}
