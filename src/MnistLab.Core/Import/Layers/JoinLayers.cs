using System.Text.Json.Serialization;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import.Layers;

/// <summary>
/// An ONNX node that reads several values computed from the image (Concat, Where): its module takes them in the node's
/// input order, its constant inputs being the module's buffers. Values computed from the image all have the batch in
/// dimension 0, so they must have the same rank, and a constant may not reach the batch dimension.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ConcatLayer), "Concat")]
[JsonDerivedType(typeof(WhereLayer), "Where")]
public abstract record JoinLayer
{
    public abstract Module<Tensor[], Tensor> Create();

    /// <summary>Null if the join accepts computed inputs of <paramref name="shapes"/> (batch included), else what is wrong.</summary>
    public virtual string? Mismatch(IReadOnlyList<long[]> shapes) =>
        shapes.Select(s => s.Length).Distinct().Count() > 1 ? $"its computed inputs {string.Join(", ", shapes.Select(LayerSpec.Dims))} differ in rank; each has the batch in dimension 0" : null;
}

/// <summary>ONNX Concat of the computed inputs along <paramref name="Axis"/> (torch.cat); never along the batch.</summary>
public sealed record ConcatLayer(long Axis) : JoinLayer
{
    public override Module<Tensor[], Tensor> Create() => new ConcatModule(Axis);

    public override string? Mismatch(IReadOnlyList<long[]> shapes)
    {
        if (base.Mismatch(shapes) is { } rank) return rank;
        int r = shapes[0].Length;
        if (Axis < -r || Axis >= r) return $"axis {Axis} is outside inputs of rank {r}";
        long a = Axis < 0 ? Axis + r : Axis;
        if (a == 0) return "it joins along axis 0, the batch";
        for (int d = 1; d < r; d++)
            if (d != a && shapes.Any(s => s[d] != shapes[0][d])) return $"its inputs {string.Join(", ", shapes.Select(LayerSpec.Dims))} differ outside axis {Axis}";
        return null;
    }
}

public sealed class ConcatModule(long axis) : Module<Tensor[], Tensor>("Concat")
{
    public override Tensor forward(Tensor[] inputs) => cat(inputs, axis);
}

/// <summary>The shape and ONNX element type of a constant input of a join, held as the module's buffer.</summary>
public sealed record ConstantInput(long[] Shape, long ElementType);

/// <summary>
/// ONNX Where: condition ? x : y, elementwise with numpy broadcasting. <paramref name="Constants"/> has one entry per
/// input (condition, x, y): null where the input is computed, else the constant's shape and type, the buffer
/// "condition", "x" or "y" of the module.
/// </summary>
public sealed record WhereLayer(IReadOnlyList<ConstantInput?> Constants) : JoinLayer
{
    public static readonly IReadOnlyList<string> Names = ["condition", "x", "y"];

    public override Module<Tensor[], Tensor> Create() => new WhereModule(Constants);

    public override string? Mismatch(IReadOnlyList<long[]> shapes)
    {
        if (Constants.Count != 3 || shapes.Count != Constants.Count(c => c is null)) return $"{shapes.Count} computed inputs do not fill the three inputs";
        if (base.Mismatch(shapes) is { } rank) return rank;
        foreach (var (c, name) in Constants.Zip(Names).Where(p => p.First is not null))
            if (Broadcast.SpansBatch(shapes[0], c!.Shape)) return $"its constant {name} of shape ({string.Join(", ", c.Shape)}) reaches the batch dimension of {LayerSpec.Dims(shapes[0])}";
        int next = 0;
        long[]? shape = [];
        foreach (var c in Constants) shape = shape is null ? null : Broadcast.Shape(shape, c?.Shape ?? shapes[next++]);
        return shape is null ? $"its inputs ({string.Join(", ", Constants.Select(c => c is null ? "computed" : $"({string.Join(", ", c.Shape)})"))}) do not broadcast together" : null;
    }
}

public sealed class WhereModule : Module<Tensor[], Tensor>
{
    readonly Tensor?[] _constants;

    public WhereModule(IReadOnlyList<ConstantInput?> constants) : base("Where")
    {
        _constants = new Tensor?[constants.Count];
        for (int i = 0; i < constants.Count; i++)
            if (constants[i] is { } c)
            {
                _constants[i] = zeros(c.Shape, OnnxTypes.Scalar(c.ElementType));
                register_buffer(WhereLayer.Names[i], _constants[i]!);
            }
    }

    public override Tensor forward(Tensor[] computed)
    {
        int next = 0;
        var inputs = _constants.Select(c => c ?? computed[next++]).ToArray();
        return where(inputs[0], inputs[1], inputs[2]);
    }
}
