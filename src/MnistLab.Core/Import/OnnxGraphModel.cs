using MnistLab.Import.Layers;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>
/// One node of an imported ONNX graph: its ONNX name and operator, the computed values it reads, the value it writes (a
/// point of the model, by that name), and what computes it: a <see cref="LayerSpec"/> for a node with one computed input
/// (constants folded into the layer), <paramref name="Binary"/> (Add, Sub, Mul, Div, MatMul, Pow, Equal) for a node of
/// two computed values, or a <see cref="JoinLayer"/> (Concat, Where) for a node of several.
/// </summary>
public sealed record GraphNode(string Name, string Op, string[] Inputs, string Output, LayerSpec? Layer = null, string? Binary = null, JoinLayer? Join = null);

/// <summary>The spec of a model converted from ONNX: the graph's input (shape without the batch), its nodes in order, its output.</summary>
public sealed record OnnxGraphSpec(string InputName, long[] InputShape, IReadOnlyList<GraphNode> Nodes, string OutputName) : ModelSpec
{
    public override Module<Tensor, Tensor> Create(Generator? init = null) => new OnnxGraphModel(this);

    /// <summary>The point name of a node's output: the ONNX name, unless it is one of the model's own (input, output).</summary>
    public static string PointName(string value) => value is "input" or "output" ? $"onnx:{value}" : value;
}

/// <summary>
/// An ONNX graph as TorchSharp modules: node i is the module "n{i}" (nn.Linear, nn.Conv2d, nn.BatchNorm2d, nn.ReLU, ...),
/// run in the graph's order on the values it names. Every node output is a point named by the ONNX output name: the
/// node's module itself, or for a node of several computed values, a hook point after it. Constant nodes, initializers and
/// the shape arithmetic folded from them are the layers' weights and settings, not points: they do not depend on the
/// image. Points: input, the node outputs in graph order, output.
/// </summary>
public sealed class OnnxGraphModel : Module<Tensor, Tensor>, ILabModel
{
    readonly OnnxGraphSpec _spec;
    readonly Module<Tensor, Tensor>?[] _unary;
    readonly BinaryModule?[] _binary;
    readonly Module<Tensor[], Tensor>?[] _join;
    readonly HookPoint?[] _outPoints; // the point after a binary or join node, whose module takes several values
    readonly HookPoint _hookInput = new(), _hookOutput = new();

    public OnnxGraphSpec Spec => _spec;
    ModelSpec ILabModel.Spec => _spec;
    public IReadOnlyList<NamedPoint> Points { get; }

    public OnnxGraphModel(OnnxGraphSpec spec) : base("OnnxGraph")
    {
        _spec = spec;
        int n = spec.Nodes.Count;
        (_unary, _binary, _join, _outPoints) = (new Module<Tensor, Tensor>?[n], new BinaryModule?[n], new Module<Tensor[], Tensor>?[n], new HookPoint?[n]);
        var points = new List<NamedPoint> { new("input", _hookInput) };
        for (int i = 0; i < n; i++)
        {
            var node = spec.Nodes[i];
            if (node.Binary is not null || node.Join is not null)
            {
                nn.Module module;
                if (node.Binary is { } op) module = _binary[i] = new BinaryModule(op);
                else module = _join[i] = node.Join!.Create();
                _outPoints[i] = new HookPoint();
                register_module($"n{i}", module);
                register_module($"n{i}_out", _outPoints[i]!);
                points.Add(new(OnnxGraphSpec.PointName(node.Output), _outPoints[i]!));
            }
            else
            {
                _unary[i] = (node.Layer ?? throw new ArgumentException($"node '{node.Name}' has no layer, binary operation or join.")).Create();
                register_module($"n{i}", _unary[i]!);
                points.Add(new(OnnxGraphSpec.PointName(node.Output), _unary[i]!));
            }
        }
        register_module("hook_input", _hookInput);
        register_module("hook_output", _hookOutput);
        points.Add(new("output", _hookOutput));
        Points = points;
    }

    /// <summary>Node i's module (for analyses that walk the structure): a layer, the binary operation, or the join.</summary>
    public nn.Module NodeModule(int i) => (nn.Module?)_unary[i] ?? (nn.Module?)_binary[i] ?? _join[i]!;

    public override Tensor forward(Tensor x)
    {
        var values = new Dictionary<string, Tensor> { [_spec.InputName] = _hookInput.call(x).reshape([-1, .. _spec.InputShape]) };
        for (int i = 0; i < _spec.Nodes.Count; i++)
        {
            var node = _spec.Nodes[i];
            values[node.Output] = _unary[i] is { } layer ? layer.call(values[node.Inputs[0]])
                : _binary[i] is { } binary ? _outPoints[i]!.call(binary.call(values[node.Inputs[0]], values[node.Inputs[1]]))
                : _outPoints[i]!.call(_join[i]!.call(node.Inputs.Select(v => values[v]).ToArray()));
        }
        return _hookOutput.call(values[_spec.OutputName]);
    }
}

/// <summary>Add, Sub, Mul, Div, Pow, Equal (numpy broadcasting) or MatMul of two computed values.</summary>
public sealed class BinaryModule : Module<Tensor, Tensor, Tensor>
{
    readonly string _op;

    public BinaryModule(string op) : base(op) => _op = op;

    public override Tensor forward(Tensor a, Tensor b) => Apply(_op, a, b);

    /// <summary>
    /// The operation as ONNX defines it: integer Div truncates toward zero, Pow keeps the base's element type, Equal
    /// gives booleans.
    /// </summary>
    public static Tensor Apply(string op, Tensor a, Tensor b) => op switch
    {
        "Add" => a + b,
        "Sub" => a - b,
        "Mul" => a * b,
        "Div" => is_floating_point(a) ? a / b : a.div(b, RoundingMode.trunc),
        "Pow" => a.pow(b).to_type(a.dtype),
        "Equal" => a.eq(b),
        "MatMul" => matmul(a, b),
        _ => throw new InvalidOperationException($"unknown binary operation '{op}'"),
    };
}
