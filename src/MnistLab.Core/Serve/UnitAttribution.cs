using MnistLab.Attribution;
using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Serve;

/// <summary>
/// What pixels drive one unit: gradient x input of the unit's score (a channel's mean over its positions, as the page
/// scores it) with respect to the pixels, averaged over a few images. The library's attribution methods explain a
/// class score; a unit inside the model is not an output, so its gradient is taken here, with a hook on the point that
/// lives for this call only (removed in <c>finally</c>, as <see cref="Activations"/> does).
/// </summary>
public static class UnitAttribution
{
    /// <summary>The mean map over <paramref name="images"/> (K, 1, 28, 28), as 784 values row by row.</summary>
    public static float[] MeanMap(LoadedModel loaded, string point, long unit, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var x = images.detach().clone().requires_grad_(true);
        Tensor? activation = null;
        var model = loaded.Model;
        var remove = Activations.Find(model, point).Module.register_forward_hook((_, _, output) => { activation = output; return output; }).remove;
        try { ModelCalls.InEval(model, () => model.call(loaded.Input(x))); }
        finally { remove(); }
        if (activation is null) throw new InvalidOperationException($"the forward pass never reached point '{point}'.");
        var a = activation.select(1, unit);
        var score = (a.dim() > 1 ? a.flatten(1).mean([1]) : a).sum();
        var grad = autograd.grad([score], [x], allow_unused: true)[0] ?? zeros_like(x);
        return (grad * x).mean([0]).reshape(-1).detach().to_type(ScalarType.Float32).data<float>().ToArray();
    }
}
