using static TorchSharp.torch;

namespace MnistLab.Models;

/// <summary>One layer of a model: its path in the module tree, its type and its own parameter count.</summary>
public sealed record LayerRow(string Name, string Type, long Parameters);

/// <summary>One named point of a model and the shape of its activation for one image (without the batch dimension).</summary>
public sealed record PointRow(string Name, long[] Shape);

/// <summary>
/// A model whose weights are not parameters of its TorchSharp module tree (a TorchScript module run inside libtorch):
/// it counts and lists them itself.
/// </summary>
public interface IExternalParameters
{
    long ParameterCount { get; }

    /// <summary>Its layers that hold parameters, with their own counts.</summary>
    IReadOnlyList<LayerRow> ParameterLayers { get; }
}

/// <summary>What `model show` prints: the layers with their parameter counts, and every point with its shape.</summary>
public sealed record ModelSummary(string Type, long Parameters, IReadOnlyList<LayerRow> Layers, IReadOnlyList<PointRow> Points)
{
    /// <summary>Reads the layers from the module tree and the points' shapes from one forward pass on <paramref name="input"/> (one item).</summary>
    public static ModelSummary Of(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        var layers = model is IExternalParameters external ? external.ParameterLayers.ToList() : model.named_modules()
            .Where(m => m.name != "" && !m.module.children().Any() && m.module is not HookPoint)
            .Select(m => new LayerRow(m.name, m.module.GetType().Name, m.module.parameters(recurse: false).Sum(p => p.numel())))
            .ToList();
        var names = Activations.PointsOf(model).Select(p => p.Name).ToList();
        using var cache = Activations.Run(model, input, names);
        var points = names.Select(n => new PointRow(n, cache[n].shape[1..])).ToList();
        return new ModelSummary(model.GetType().Name, ParameterCount(model), layers, points);
    }

    /// <summary>The model's parameter count, those it holds outside its module tree included.</summary>
    public static long ParameterCount(nn.Module model) =>
        model is IExternalParameters external ? external.ParameterCount : model.parameters().Sum(p => p.numel());
}
