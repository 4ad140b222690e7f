using MnistLab.Attribution;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Dictionaries;

/// <summary>
/// Which pixels drive a feature: Integrated Gradients (Gauss–Legendre, zero baseline) of the feature's pre-activation,
/// (a − b) E_f + c_f summed over the image's positions for a conv point, with respect to the image, averaged over the
/// feature's top-activating test images. Complete: each image's map sums to the pre-activation at the image minus that
/// at the blank image, up to the quadrature's error. The pre-activation rather than the code, because TopK's selection
/// is flat almost everywhere along the path.
/// </summary>
public static class FeatureMaps
{
    public const int Steps = 32;

    /// <summary>One map (28 x 28, row-major) per feature of <paramref name="features"/>: zeros for a feature with no top image.</summary>
    public static IReadOnlyList<float[]> Compute(SparseAutoencoder dictionary, PointRows point, IReadOnlyList<int> features, ConceptMatch concepts)
    {
        var (alphas, weights) = Quadrature.Nodes(IntegrationMethod.GaussLegendre, Steps);
        var maps = new List<float[]>();
        foreach (int f in features)
        {
            int[] top = concepts.TopImages[f];
            if (top.Length == 0) { maps.Add(new float[Data.LabeledImages.Pixels]); continue; }
            using var scope = NewDisposeScope();
            var images = point.Test.Images.index_select(0, tensor(top.Select(i => (long)i).ToArray()));
            var integral = PathIntegral.Shared(images, zeros_like(images), new long[top.Length], alphas, weights, 512,
                (scaled, _, _) => PreActivationGradient(dictionary, point, scaled, f));
            maps.Add((integral * images).mean([0], keepdim: false).reshape(-1).to_type(ScalarType.Float32).data<float>().ToArray());
        }
        return maps;
    }

    /// <summary>d (Σ over the image's rows of feature f's pre-activation) / d image, for each image of <paramref name="images"/>.</summary>
    public static Tensor PreActivationGradient(SparseAutoencoder dictionary, PointRows point, Tensor images, int f)
    {
        var p = Models.Activations.Find(point.Model.Model, point.Point);
        using var _ = enable_grad();
        var leaf = images.detach().requires_grad_(true);
        Tensor? act = null;
        var remove = p.Module.register_forward_hook((_, _, output) => { act = output; return null!; }).remove;
        try
        {
            point.Model.Model.call(point.Model.Input(leaf));
            if (act is null) throw new InvalidOperationException($"the forward pass never reached point '{point.Point}'.");
            var pre = dictionary.PreActivations(point.ToRows(act)).select(1, f);
            return autograd.grad([pre.sum()], [leaf])[0].detach();
        }
        finally { remove(); }
    }
}
