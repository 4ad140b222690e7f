using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Models;

/// <summary>
/// The reshape of each example to <see cref="Shape"/> as a layer, for an <see cref="ILayerSequence"/> whose forward pass
/// reshapes its input with a tensor call (the ResNet's view to 1x28x28).
/// </summary>
public sealed class View(params long[] shape) : Module<Tensor, Tensor>(nameof(View))
{
    public IReadOnlyList<long> Shape => shape;

    public override Tensor forward(Tensor x) => x.reshape([-1, .. shape]);
}
