using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>
/// The spec of an imported model whose input normalisation was given at import (<c>--normalize</c>) because it lived in
/// the user's data pipeline, not in the model: <paramref name="Model"/> reads (x − mean) / std of the [0, 1] image.
/// </summary>
public sealed record NormalizedSpec(ModelSpec Model, Normalization Normalize) : ModelSpec
{
    public override Module<Tensor, Tensor> Create(Generator? init = null) => new NormalizedModel(this, Model.Create(init));
}

/// <summary>
/// A model with its input normalisation in front. Its points are the model's, with <c>input</c> the [0, 1] image and
/// <c>normalize</c> what the model itself reads. The statistics are not weights: the weights file holds the model's
/// parameters under the names it was imported with, behind <c>model.</c>.
/// </summary>
public sealed class NormalizedModel : Module<Tensor, Tensor>, ILabModel
{
    readonly NormalizeModule _normalize;
    readonly HookPoint _hookInput = new();

    public NormalizedSpec Spec { get; }
    ModelSpec ILabModel.Spec => Spec;
    public IReadOnlyList<NamedPoint> Points { get; }

    /// <summary>The model that reads the normalised image.</summary>
    public Module<Tensor, Tensor> Model { get; }

    public NormalizedModel(NormalizedSpec spec, Module<Tensor, Tensor> model) : base("Normalized")
    {
        Spec = spec;
        Model = model;
        _normalize = new NormalizeModule(spec.Normalize, [1, 28, 28]);
        register_module("model", model);
        register_module("normalize", _normalize);
        register_module("hook_input", _hookInput);
        Points = [new("input", _hookInput), new("normalize", _normalize), .. MnistLab.Models.Activations.PointsOf(model).Where(p => p.Name != "input")];
    }

    public override Tensor forward(Tensor x) => Model.call(_normalize.call(_hookInput.call(x)));
}
