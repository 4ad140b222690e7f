using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>The spec of a model built from an <see cref="Import.Architecture"/> file.</summary>
public sealed record SequentialSpec(Architecture Architecture) : ModelSpec
{
    public override Module<Tensor, Tensor> Create(Generator? init = null)
    {
        var model = new SequentialModel(this);
        if (init is not null) ModelInit.Reset(model, init);
        return model;
    }
}

/// <summary>
/// PyTorch's nn.Sequential as a TorchSharp module: the layers are registered as "0", "1", ... so the state_dict keys
/// are nn.Sequential's, and each layer is a point by that index. The image (N, 1, 28, 28) in [0, 1] is reshaped to the
/// architecture's input and normalised first. Points: input, normalize (if any), 0, 1, ..., output.
/// </summary>
public sealed class SequentialModel : Module<Tensor, Tensor>, ILabModel
{
    readonly long[] _input;
    readonly NormalizeModule? _normalize;
    readonly Module<Tensor, Tensor>[] _layers;
    readonly HookPoint _hookInput = new(), _hookOutput = new();

    public SequentialSpec Spec { get; }
    ModelSpec ILabModel.Spec => Spec;
    public IReadOnlyList<NamedPoint> Points { get; }

    public SequentialModel(SequentialSpec spec) : base("Sequential")
    {
        Spec = spec;
        var arch = spec.Architecture;
        _input = arch.Input;
        _normalize = arch.Normalize is null ? null : new NormalizeModule(arch.Normalize, arch.Input);
        _layers = arch.Layers.Select(l => l.Create()).ToArray();
        for (int i = 0; i < _layers.Length; i++) register_module($"{i}", _layers[i]);
        if (_normalize is not null) register_module("normalize", _normalize);
        register_module("hook_input", _hookInput);
        register_module("hook_output", _hookOutput);
        Points =
        [
            new("input", _hookInput), .. _normalize is null ? Array.Empty<NamedPoint>() : [new NamedPoint("normalize", _normalize)],
            .. _layers.Select((l, i) => new NamedPoint($"{i}", l)), new("output", _hookOutput),
        ];
    }

    /// <summary>The layers in order, as TorchSharp modules (for analyses that walk the structure).</summary>
    public IReadOnlyList<Module<Tensor, Tensor>> Layers => _layers;

    public override Tensor forward(Tensor x)
    {
        x = _hookInput.call(x).reshape([-1, .. _input]); // (N, 1, 28, 28) -> (N, ...input)
        if (_normalize is not null) x = _normalize.call(x);
        foreach (var layer in _layers) x = layer.call(x);
        return _hookOutput.call(x);
    }
}
