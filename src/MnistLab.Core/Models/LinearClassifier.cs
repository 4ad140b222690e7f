using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>Multinomial logistic regression: logits = W x + b on the flattened image (seed 003's LinearClassifier).</summary>
public sealed class LinearClassifier : Module<Tensor, Tensor>
{
    readonly Linear fc;

    public LinearClassifier(int inputs = 784, int classes = 10) : base(nameof(LinearClassifier))
    {
        fc = Linear(inputs, classes);
        RegisterComponents();
    }

    /// <summary>(classes, inputs): row c is the template of class c.</summary>
    public Tensor Weight => fc.weight!;
    public Tensor Bias => fc.bias!;

    public override Tensor forward(Tensor x) => fc.call(x.flatten(1)); // (B, 784) -> (B, 10)
}
