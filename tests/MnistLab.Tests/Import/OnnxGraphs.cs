using Google.Protobuf;
using Onnx;
using static Onnx.AttributeProto.Types;

namespace MnistLab.Tests.Import;

/// <summary>Small ONNX graphs written node by node with the protobuf classes, seeded random weights included.</summary>
public sealed class OnnxGraphs(int seed = 7)
{
    readonly Random _rng = new(seed);
    readonly GraphProto _graph = new() { Name = "test" };

    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeType.Int, I = v };
    public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeType.Float, F = v };
    public static AttributeProto Ints(string name, params long[] v) { var a = new AttributeProto { Name = name, Type = AttributeType.Ints }; a.Ints.Add(v); return a; }

    public static TensorProto Tensor(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = 1, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray()) };
        t.Dims.Add(dims);
        return t;
    }

    public static AttributeProto Str(string name, string v) => new() { Name = name, Type = AttributeType.String, S = ByteString.CopyFromUtf8(v) };

    public static TensorProto Longs(string name, params long[] values) => Longs(name, [values.Length], values);

    /// <summary>An int64 tensor of <paramref name="dims"/> (none for a scalar).</summary>
    public static TensorProto Longs(string name, long[] dims, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = 7 };
        t.Dims.Add(dims);
        t.Int64Data.Add(values);
        return t;
    }

    /// <summary>A constant of <paramref name="dims"/> drawn uniformly from [lo, hi).</summary>
    public string Random(string name, long[] dims, double lo = -0.5, double hi = 0.5)
    {
        long n = dims.Aggregate(1L, (a, b) => a * b);
        _graph.Initializer.Add(Tensor(name, dims, Enumerable.Range(0, (int)n).Select(_ => (float)(lo + (hi - lo) * _rng.NextDouble())).ToArray()));
        return name;
    }

    public string Constant(TensorProto value)
    {
        _graph.Initializer.Add(value);
        return value.Name;
    }

    public OnnxGraphs Input(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        _graph.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } });
        return this;
    }

    public string Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{_graph.Node.Count}" };
        node.Input.Add(inputs);
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        _graph.Node.Add(node);
        return output;
    }

    public byte[] Build(string output, long opset = 13) => Build([output], opset);

    /// <summary>The model with the graph's outputs in the order given.</summary>
    public byte[] Build(string[] outputs, long opset = 13)
    {
        foreach (var output in outputs)
            _graph.Output.Add(new ValueInfoProto { Name = output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var model = new ModelProto { IrVersion = 8, ProducerName = "mnistlab-tests", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }
}
