using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution;

/// <summary>
/// Gradients at a named point (<see cref="Activations"/>'s points) that the layer and neuron methods need beyond
/// <see cref="MnistLab.Models.Activations.Gradient"/>: with the activation replaced by given values, or of one neuron with respect to
/// the input. Hooks are attached for one call and removed in <c>finally</c>. The model must be in eval mode.
/// </summary>
static class PointPatch
{
    /// <summary>d output[i, t_i] / d y where the activation y at <paramref name="point"/> is replaced by <paramref name="value"/>.</summary>
    public static Tensor GradientAt(Module<Tensor, Tensor> model, Tensor x, string point, Tensor value, Tensor targets)
    {
        var p = MnistLab.Models.Activations.Find(model, point);
        using var _ = enable_grad();
        var leaf = value.detach().requires_grad_(true);
        var remove = p.Module.register_forward_hook((_, _, output) =>
            output.shape.SequenceEqual(leaf.shape) ? leaf : throw new InvalidOperationException($"point '{point}' gives ({string.Join(", ", output.shape)}), the patch is ({string.Join(", ", leaf.shape)}).")).remove;
        try
        {
            var selected = model.call(x).gather(1, targets.view(-1, 1)).squeeze(1);
            return autograd.grad([selected.sum()], [leaf])[0].detach();
        }
        finally { remove(); }
    }

    /// <summary>The activation of neuron <paramref name="neuron"/> (flat index within one example) at <paramref name="point"/> and its gradient with respect to the input.</summary>
    public static (Tensor Gradient, Tensor Value) NeuronGradient(Module<Tensor, Tensor> model, Tensor x, string point, long neuron)
    {
        var p = MnistLab.Models.Activations.Find(model, point);
        using var _ = enable_grad();
        var leaf = x.detach().requires_grad_(true);
        Tensor? act = null;
        var remove = p.Module.register_forward_hook((_, _, output) => { act = output; return null!; }).remove;
        try
        {
            model.call(leaf);
            if (act is null) throw new InvalidOperationException($"the forward pass never reached point '{point}'.");
            long size = act.numel() / act.shape[0];
            if (neuron < 0 || neuron >= size) throw new Common.InvalidOptionException($"{nameof(NeuronOptions)}.{nameof(NeuronOptions.Neuron)}", $"point '{point}' has {size} values per input; neuron {neuron} is outside them.");
            var value = act.reshape(act.shape[0], -1).select(1, neuron);
            return (autograd.grad([value.sum()], [leaf])[0].detach(), value.detach());
        }
        finally { remove(); }
    }
}
