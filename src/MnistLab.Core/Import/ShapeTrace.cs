using System.Runtime.InteropServices;
using MnistLab.Import.Layers;
using static TorchSharp.torch;

namespace MnistLab.Import;

/// <summary>
/// Follows a shape through layers: each layer's own check first (a clear message in sizes), then one forward pass of
/// a tiny zero batch through the real module, so the output shape is exactly what libtorch computes.
/// </summary>
public static class ShapeTrace
{
    public sealed class MismatchException(string message) : Exception(message);

    /// <summary>The output shape (no batch) after every layer, in order; throws <see cref="MismatchException"/> naming the first layer that does not fit.</summary>
    public static IReadOnlyList<long[]> Through(IReadOnlyList<LayerSpec> layers, long[] input)
    {
        var shapes = new List<long[]>();
        long[] shape = [2, .. input];
        for (int i = 0; i < layers.Count; i++)
        {
            shape = Step(layers[i], shape, $"layer {i} ({layers[i].TypeName})");
            shapes.Add(shape[1..]);
        }
        return shapes;
    }

    /// <summary>The shape (batch included) after <paramref name="layer"/>; <paramref name="where"/> names it in errors.</summary>
    public static long[] Step(LayerSpec layer, long[] shape, string where)
    {
        if (layer.Mismatch(shape) is { } problem) throw new MismatchException($"{where} {problem}");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        try
        {
            using var module = layer.Create();
            module.eval();
            var output = module.call(zeros(shape));
            if (output.dim() == 0 || output.shape[0] != shape[0]) throw new MismatchException($"{where} does not keep the batch dimension: input {LayerSpec.Dims(shape)}, output ({string.Join(", ", output.shape)}) for a batch of {shape[0]}");
            if (output.shape.Any(d => d == 0)) throw new MismatchException($"{where} gives an empty output {LayerSpec.Dims(output.shape)} for input {LayerSpec.Dims(shape)}");
            return output.shape;
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new MismatchException($"{where} cannot take an input of shape {LayerSpec.Dims(shape)}: {FirstLine(e.Message)}");
        }
    }

    static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
