using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>Sizes of a <see cref="LinearClassifier"/>.</summary>
public sealed record LinearSpec(int Inputs = 784, int Classes = 10) : ModelSpec
{
    public override Module<Tensor, Tensor> Create(Generator? init = null) => new LinearClassifier(this, init);
}

/// <summary>
/// Multinomial logistic regression: logits = W x + b on the flattened image (seed 003's LinearClassifier).
/// Points: input, fc, output.
/// </summary>
public sealed class LinearClassifier : Module<Tensor, Tensor>, ILabModel, ILayerSequence
{
    readonly Linear fc;
    readonly HookPoint hook_input = new(), hook_output = new();

    public LinearSpec Spec { get; }
    ModelSpec ILabModel.Spec => Spec;
    public IReadOnlyList<NamedPoint> Points { get; }

    public LinearClassifier(int inputs = 784, int classes = 10) : this(new LinearSpec(inputs, classes)) { }

    public LinearClassifier(LinearSpec spec, Generator? init = null) : base(nameof(LinearClassifier))
    {
        Spec = spec;
        fc = Linear(spec.Inputs, spec.Classes);
        RegisterComponents();
        if (init is not null) ModelInit.Reset(this, init);
        Points = [new("input", hook_input), new("fc", fc), new("output", hook_output)];
    }

    /// <summary>(classes, inputs): row c is the template of class c.</summary>
    public Tensor Weight => fc.weight!;
    public Tensor Bias => fc.bias!;

    public IEnumerable<Module> Layers() => [fc];

    public override Tensor forward(Tensor x) => hook_output.call(fc.call(hook_input.call(x).flatten(1))); // (B, inputs) -> (B, classes)
}
