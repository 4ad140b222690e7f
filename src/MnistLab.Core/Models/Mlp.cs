using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>Sizes of an <see cref="Mlp"/>.</summary>
public sealed record MlpSpec(int Inputs = 784, int Hidden = 256, int Classes = 10) : ModelSpec
{
    public override Module<Tensor, Tensor> Create(Generator? init = null) => new Mlp(this, init);
}

/// <summary>
/// One hidden ReLU layer: logits = W2 relu(W1 x + b1) + b2 (seed 003's MLP, hidden 256 by default).
/// Points: input, fc1, relu1, fc2, output.
/// </summary>
public sealed class Mlp : Module<Tensor, Tensor>, ILabModel, ILayerSequence
{
    readonly Linear fc1;
    readonly ReLU relu1;
    readonly Linear fc2;
    readonly HookPoint hook_input = new(), hook_output = new();

    public MlpSpec Spec { get; }
    ModelSpec ILabModel.Spec => Spec;
    public IReadOnlyList<NamedPoint> Points { get; }

    public Mlp(int inputs = 784, int hidden = 256, int classes = 10) : this(new MlpSpec(inputs, hidden, classes)) { }

    public Mlp(MlpSpec spec, Generator? init = null) : base(nameof(Mlp))
    {
        Spec = spec;
        fc1 = Linear(spec.Inputs, spec.Hidden);
        relu1 = ReLU();
        fc2 = Linear(spec.Hidden, spec.Classes);
        RegisterComponents();
        if (init is not null) ModelInit.Reset(this, init);
        Points = [new("input", hook_input), new("fc1", fc1), new("relu1", relu1), new("fc2", fc2), new("output", hook_output)];
    }

    public Tensor Weight1 => fc1.weight!; // (hidden, inputs)
    public Tensor Weight2 => fc2.weight!; // (classes, hidden)

    public IEnumerable<Module> Layers() => [fc1, relu1, fc2];

    public override Tensor forward(Tensor x) =>
        hook_output.call(fc2.call(relu1.call(fc1.call(hook_input.call(x).flatten(1))))); // (B, inputs) -> (B, hidden) -> (B, classes)
}
