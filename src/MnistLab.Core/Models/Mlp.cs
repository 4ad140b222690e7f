using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>One hidden ReLU layer: logits = W2 relu(W1 x + b1) + b2 (seed 003's MLP, hidden 256 by default).</summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    readonly Linear fc1;
    readonly Linear fc2;

    public Mlp(int inputs = 784, int hidden = 256, int classes = 10) : base(nameof(Mlp))
    {
        fc1 = Linear(inputs, hidden);
        fc2 = Linear(hidden, classes);
        RegisterComponents();
    }

    public Tensor Weight1 => fc1.weight!; // (hidden, inputs)
    public Tensor Weight2 => fc2.weight!; // (classes, hidden)

    public override Tensor forward(Tensor x) => fc2.call(functional.relu(fc1.call(x.flatten(1))));
}
