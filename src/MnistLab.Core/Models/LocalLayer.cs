using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace MnistLab.Models;

/// <summary>Sizes of a <see cref="LocalLayer"/>.</summary>
public sealed record LocalLayerSpec(int Inputs, int Neurons) : ModelSpec
{
    public override Module<Tensor, Tensor> Create(Generator? init = null) => new LocalLayer(this, init);
}

/// <summary>
/// Seed 002's LocalLayerBlock: K scalar neurons y_i = w_i . x + b_i stored in one linear map, with no
/// activation. Trained neuron by neuron by <see cref="Training.LocalMiRule"/>, not by backprop.
/// Points: input, linear, output.
/// </summary>
public sealed class LocalLayer : Module<Tensor, Tensor>, ILabModel, ILayerSequence
{
    readonly Linear linear;
    readonly HookPoint hook_input = new(), hook_output = new();

    public LocalLayerSpec Spec { get; }
    ModelSpec ILabModel.Spec => Spec;
    public IReadOnlyList<NamedPoint> Points { get; }

    public LocalLayer(int inputs, int neurons) : this(new LocalLayerSpec(inputs, neurons)) { }

    public LocalLayer(LocalLayerSpec spec, Generator? init = null) : base(nameof(LocalLayer))
    {
        Spec = spec;
        linear = Linear(spec.Inputs, spec.Neurons);
        RegisterComponents();
        if (init is not null) ModelInit.Reset(this, init);
        Points = [new("input", hook_input), new("linear", linear), new("output", hook_output)];
    }

    public Tensor Weight => linear.weight!; // (K, inputs)
    public Tensor Bias => linear.bias!;     // (K)
    public int Neurons => (int)linear.weight!.shape[0];

    public IEnumerable<Module> Layers() => [linear];

    public override Tensor forward(Tensor x) => hook_output.call(linear.call(hook_input.call(x).flatten(1))); // (B, K)
}
