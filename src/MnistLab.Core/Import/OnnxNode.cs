using MnistLab.Common;
using Onnx;
using static TorchSharp.torch;

namespace MnistLab.Import;

/// <summary>The element type and shape (batch included, traced with a batch of 2) of a value computed from the image.</summary>
public readonly record struct TracedValue(long[] Shape, ScalarType Type);

/// <summary>
/// A value known at conversion time (an initializer, a Constant node, or folded from them) and, when it was computed from
/// the shape of the image's values (Shape, Gather, Concat, ...), <paramref name="Batch"/>: true at each element that is
/// the batch size. The batch size is not known until the model runs, so such an element's value is a stand-in; only
/// operators that move elements carry it, and only Reshape, Expand and Resize read it (as "keep the batch").
/// </summary>
public sealed record FoldedValue(Tensor Value, Tensor? Batch = null)
{
    public bool HasBatch => Batch is not null && Batch.any().item<bool>();
}

/// <summary>
/// One ONNX node as the conversion reads it: its label for errors, its attributes with the specification's defaults,
/// and its inputs, each either computed from the image (<see cref="TracedValue"/>) or known (<see cref="FoldedValue"/>).
/// Every error it makes names the file, the node and its operator.
/// </summary>
public sealed class OnnxNode
{
    readonly NodeProto _proto;
    readonly string _path;
    readonly Dictionary<string, AttributeProto> _attributes;
    readonly IReadOnlyDictionary<string, FoldedValue> _known;
    readonly IReadOnlyDictionary<string, TracedValue> _computed;

    public OnnxNode(NodeProto proto, string path, long opset, IReadOnlyDictionary<string, FoldedValue> known, IReadOnlyDictionary<string, TracedValue> computed)
    {
        (_proto, _path, Opset, _known, _computed) = (proto, path, opset, known, computed);
        _attributes = proto.Attribute.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.First());
        int count = proto.Input.Count;
        while (count > 0 && proto.Input[count - 1].Length == 0) count--; // trailing optional inputs left out
        Inputs = proto.Input.Take(count).ToList();
    }

    public string Op => _proto.OpType;
    public string Name => _proto.Name;
    public long Opset { get; }
    public string Output => _proto.Output.Count > 0 ? _proto.Output[0] : "";

    /// <summary>The node's inputs up to the last one given; an optional input left out in between is "".</summary>
    public IReadOnlyList<string> Inputs { get; }

    public string Where => $"node {(_proto.Name.Length > 0 ? $"'{_proto.Name}'" : $"producing '{Output}'")} ({Op})";

    /// <summary>An error naming the file and this node: "FILE: node 'NAME' (OP): <paramref name="what"/>."</summary>
    public DataFormatException Bad(string what) => new($"{_path}: {ErrorText.Printable($"{Where}: {what}")}.");

    public bool Given(int i) => i < Inputs.Count && Inputs[i].Length > 0;

    public bool IsComputed(int i) => Given(i) && _computed.ContainsKey(Inputs[i]);

    public TracedValue Computed(int i) => _computed[Inputs[i]];

    /// <summary>Input <paramref name="i"/> if it is given and known at conversion time, else null.</summary>
    public FoldedValue? Known(int i) => Given(i) ? _known.GetValueOrDefault(Inputs[i]) : null;

    /// <summary>
    /// Input <paramref name="i"/>'s value, null if it is left out; it must be known, and must not hold the batch size
    /// (Reshape, Expand and Resize, which keep the batch, read theirs with <see cref="Known"/>).
    /// </summary>
    public Tensor? Const(int i)
    {
        if (!Given(i)) return null;
        if (IsComputed(i)) throw Bad($"its {Ordinal(i)} input '{Inputs[i]}' is computed from the image; it must be a constant");
        var known = _known[Inputs[i]];
        if (known.HasBatch)
            throw Bad($"its {Ordinal(i)} input '{Inputs[i]}' holds the batch size (read by a Shape node); only Reshape, Expand and Resize take the batch size, to keep the batch");
        return known.Value;
    }

    /// <summary>Input <paramref name="i"/>'s value, which must be given and known: <paramref name="what"/> names it in the error.</summary>
    public Tensor NeedConst(int i, string what) => Const(i) ?? throw Bad($"its {what} must be a constant (an initializer)");

    /// <summary>"first", "second", ... for input <paramref name="i"/>.</summary>
    public static string Ordinal(int i) => i switch { 0 => "first", 1 => "second", 2 => "third", 3 => "fourth", 4 => "fifth", _ => $"#{i + 1}" };

    public bool HasAttribute(string name) => _attributes.ContainsKey(name);

    public long Int(string name, long fallback) => _attributes.TryGetValue(name, out var v) ? v.I : fallback;

    public float Float(string name, float fallback) => _attributes.TryGetValue(name, out var v) ? v.F : fallback;

    public long[]? Ints(string name) => _attributes.TryGetValue(name, out var v) ? v.Ints.ToArray() : null;

    public float[]? Floats(string name) => _attributes.TryGetValue(name, out var v) ? v.Floats.ToArray() : null;

    public string Str(string name, string fallback) => _attributes.TryGetValue(name, out var v) ? v.S.ToStringUtf8() : fallback;

    /// <summary>A tensor attribute's value read as a tensor (an error names the node), or null if the node has none.</summary>
    public Tensor? TensorAttribute(string name) =>
        _attributes.TryGetValue(name, out var v) ? OnnxTensors.Read(v.T ?? throw Bad($"attribute '{name}' is empty"), $"{Where} attribute '{name}'", _path) : null;

    /// <summary>
    /// The axes of Unsqueeze, Squeeze or ReduceMean: an attribute before opset <paramref name="inputSince"/>, the second
    /// input from then on (the specification moved them); null where the node gives none.
    /// </summary>
    public long[]? Axes(long inputSince)
    {
        if (Opset >= inputSince)
        {
            if (HasAttribute("axes")) throw Bad($"in opset {Opset} its axes are an input, not an attribute (since opset {inputSince})");
            return Given(1) ? Longs(NeedConst(1, "axes")) : null;
        }
        if (Given(1)) throw Bad($"in opset {Opset} its axes are an attribute, not an input (until opset {inputSince})");
        return Ints("axes");
    }

    /// <summary>Slice's starts, ends, axes and steps: attributes before opset 10, inputs from then on; axes default to 0, 1, ..., steps to 1.</summary>
    public (long[] Starts, long[] Ends, long[] Axes, long[] Steps) SliceArguments()
    {
        long[] starts, ends;
        long[]? axes, steps = null;
        if (Opset >= 10)
        {
            if (HasAttribute("starts") || HasAttribute("ends") || HasAttribute("axes")) throw Bad($"in opset {Opset} its starts, ends and axes are inputs, not attributes (since opset 10)");
            starts = Longs(NeedConst(1, "starts"));
            ends = Longs(NeedConst(2, "ends"));
            axes = Const(3) is { } a ? Longs(a) : null;
            steps = Const(4) is { } s ? Longs(s) : null;
        }
        else
        {
            if (Inputs.Count > 1) throw Bad($"in opset {Opset} its starts, ends and axes are attributes, not inputs (until opset 10)");
            starts = Ints("starts") ?? throw Bad("its starts are missing");
            ends = Ints("ends") ?? throw Bad("its ends are missing");
            axes = Ints("axes");
        }
        return (starts, ends, axes ?? [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)], steps ?? [.. starts.Select(_ => 1L)]);
    }

    /// <summary>Clip's bounds, null where absent: attributes before opset 11, inputs (scalars) from then on.</summary>
    public (double? Min, double? Max) ClipBounds()
    {
        if (Opset >= 11)
        {
            if (HasAttribute("min") || HasAttribute("max")) throw Bad($"in opset {Opset} its bounds are inputs, not attributes (since opset 11)");
            double? Bound(int i, string what) => Const(i) is not { } t ? null
                : t.numel() == 1 ? t.to_type(ScalarType.Float64).item<double>() : throw Bad($"its {what} must be a single value, it has shape ({string.Join(", ", t.shape)})");
            return (Bound(1, "min"), Bound(2, "max"));
        }
        if (Inputs.Count > 1) throw Bad($"in opset {Opset} its bounds are attributes, not inputs (until opset 11)");
        return (HasAttribute("min") ? Float("min", 0) : null, HasAttribute("max") ? Float("max", 0) : null);
    }

    /// <summary>A constant's values as whole numbers (shapes, axes, indices), row-major.</summary>
    public static long[] Longs(Tensor t) => t.to_type(ScalarType.Int64).reshape(-1).data<long>().ToArray();

    /// <summary>A list of values for a message: [1, 2, 3].</summary>
    public static string Show(IEnumerable<long>? values) => values is null ? "none" : $"[{string.Join(", ", values)}]";
}
