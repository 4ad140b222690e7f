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

    /// <summary>
    /// One map (28 x 28, row-major) per feature of <paramref name="features"/>: zeros for a feature with no top image; none at
    /// all for a model whose input is not the pixels (one that reads another model's output).
    /// </summary>
    public static IReadOnlyList<float[]> Compute(SparseAutoencoder dictionary, PointRows point, IReadOnlyList<int> features, ConceptMatch concepts)
    {
        if (point.TestItems == 0 || !Applies(point, point.Test.Images[0])) return [];
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

    /// <summary>
    /// d (Σ over the image's rows of feature f's pre-activation) / d image, for each image of <paramref name="images"/>.
    /// The derivative is taken at the model's input as it prepares it; where that input is the pixels followed by more
    /// columns (the ring models' ring bit, a step function of the pixels), the pixels' part is the gradient.
    /// </summary>
    public static Tensor PreActivationGradient(SparseAutoencoder dictionary, PointRows point, Tensor images, int f)
    {
        var p = Models.Activations.Find(point.Model.Model, point.Point);
        using var _ = enable_grad();
        var leaf = point.Model.Input(images).detach().requires_grad_(true);
        Tensor? act = null;
        var remove = p.Module.register_forward_hook((_, _, output) => { act = output; return null!; }).remove;
        try
        {
            Attribution.ModelCalls.InEval(point.Model.Model, () => point.Model.Model.call(leaf));
            if (act is null) throw new InvalidOperationException($"the forward pass never reached point '{point.Point}'.");
            var pre = dictionary.PreActivations(point.ToRows(act)).select(1, f);
            var grad = (autograd.grad([pre.sum()], [leaf], allow_unused: true)[0] ?? zeros_like(leaf)).detach();
            return grad.numel() == images.numel() ? grad.reshape(images.shape)
                : grad.reshape(images.shape[0], -1).narrow(1, 0, images[0].numel()).reshape(images.shape);
        }
        finally { remove(); }
    }

    /// <summary>Whether the model's input holds the image's pixels first, so a map over the pixels can be read off its gradient.</summary>
    public static bool Applies(PointRows point, Tensor image)
    {
        using var scope = NewDisposeScope();
        var input = point.Model.Input(image.unsqueeze(0));
        return input.numel() >= image.numel() && input.reshape(-1).narrow(0, 0, image.numel()).equal(image.reshape(-1)).all().item<bool>();
    }
}
