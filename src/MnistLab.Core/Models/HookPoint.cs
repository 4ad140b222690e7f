using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Models;

/// <summary>
/// An identity module at an activation worth reading, after TransformerLens's <c>HookPoint</c>. Models call it on
/// the tensor they pass on; <see cref="Activations"/> attaches forward hooks to it to read the activation or to
/// replace it, and removes them when the call ends. It has no parameters, so it leaves the state dict unchanged.
/// </summary>
public sealed class HookPoint : Module<Tensor, Tensor>
{
    public HookPoint() : base(nameof(HookPoint)) { }

    public override Tensor forward(Tensor x) => x;
}

/// <summary>A model whose activations can be read and replaced by name (<c>fc1</c>, <c>res3.conv2</c>, <c>enc.hidden</c>).</summary>
public interface IHookedModel
{
    /// <summary>Every point in the order the forward pass reaches it, from <c>input</c> to <c>output</c>.</summary>
    IReadOnlyList<NamedPoint> Points { get; }
}

/// <summary>A whole model of the lab: its points, and the spec that builds it again.</summary>
public interface ILabModel : IHookedModel
{
    ModelSpec Spec { get; }
}

/// <summary>
/// A named activation of a model: the output of <paramref name="Module"/>, a layer of the model or a
/// <see cref="HookPoint"/> where no layer produces it (the input, a functional ReLU, a residual sum). Each such
/// module is called once per forward pass, so its forward hooks see exactly that activation.
/// </summary>
public sealed record NamedPoint(string Name, Module<Tensor, Tensor> Module)
{
    /// <summary>The points of a block, named inside the model that holds it (<c>conv2</c> of block <c>res3</c> is <c>res3.conv2</c>).</summary>
    public static IEnumerable<NamedPoint> Within(string block, IHookedModel model) =>
        model.Points.Where(p => p.Name is not ("input" or "output")).Select(p => p with { Name = $"{block}.{p.Name}" });
}
