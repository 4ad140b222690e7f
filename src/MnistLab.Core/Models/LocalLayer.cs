using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>
/// Seed 002's LocalLayerBlock: K scalar neurons y_i = w_i . x + b_i stored in one linear map, with no
/// activation. Trained neuron by neuron by <see cref="Training.LocalMiRule"/>, not by backprop.
/// </summary>
public sealed class LocalLayer : Module<Tensor, Tensor>
{
    readonly Linear linear;

    public LocalLayer(int inputs, int neurons) : base(nameof(LocalLayer))
    {
        linear = Linear(inputs, neurons);
        RegisterComponents();
    }

    public Tensor Weight => linear.weight!; // (K, inputs)
    public Tensor Bias => linear.bias!;     // (K)
    public int Neurons => (int)linear.weight!.shape[0];

    public override Tensor forward(Tensor x) => linear.call(x.flatten(1)); // (B, K)
}
