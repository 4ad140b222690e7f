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
    public static long[] Step(LayerSpec layer, long[] shape, string where) => Step(layer, new TracedValue(shape, ScalarType.Float32), where).Shape;

    /// <summary>The shape and element type after <paramref name="layer"/> for an input of <paramref name="input"/>'s.</summary>
    public static TracedValue Step(LayerSpec layer, TracedValue input, string where)
    {
        if (layer.Mismatch(input.Shape) is { } problem) throw new MismatchException($"{where} {problem}");
        return Run(where, input.Shape, LayerSpec.Dims(input.Shape), () =>
        {
            using var module = layer.Create();
            module.eval();
            return module.call(zeros(input.Shape, input.Type));
        });
    }

    /// <summary>The shape and element type after <paramref name="layer"/> for computed inputs of <paramref name="inputs"/>' (the join checked first).</summary>
    public static TracedValue Join(JoinLayer layer, IReadOnlyList<TracedValue> inputs, string where)
    {
        if (layer.Mismatch(inputs.Select(i => i.Shape).ToList()) is { } problem) throw new MismatchException($"{where} {problem}");
        return Run(where, inputs[0].Shape, string.Join(" and ", inputs.Select(i => LayerSpec.Dims(i.Shape))), () =>
        {
            using var module = layer.Create();
            module.eval();
            return module.call(inputs.Select(i => zeros(i.Shape, i.Type)).ToArray());
        });
    }

    /// <summary>One forward pass of a tiny zero batch; the output must keep the batch (of <paramref name="shape"/>[0]) in dimension 0.</summary>
    static TracedValue Run(string where, long[] shape, string input, Func<Tensor> forward)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        try
        {
            var output = forward();
            if (output.dim() == 0 || output.shape[0] != shape[0]) throw new MismatchException($"{where} does not keep the batch dimension: input {input}, output ({string.Join(", ", output.shape)}) for a batch of {shape[0]}");
            if (output.shape.Any(d => d == 0)) throw new MismatchException($"{where} gives an empty output {LayerSpec.Dims(output.shape)} for input {input}");
            return new TracedValue(output.shape, output.dtype);
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new MismatchException($"{where} cannot take an input of shape {input}: {FirstLine(e.Message)}");
        }
    }

    static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
